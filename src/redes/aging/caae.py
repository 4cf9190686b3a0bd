"""The CAAE's training: its players in one Keras model, one `fit` batch = one step of each, the keras-io way.

Per batch, as in the authors' code: the encoder and generator step (reconstruct each face at its
own age and gender, fool both discriminators), then the z discriminator's (the uniform prior
against the encoder's codes), then the image discriminator's (real faces with their labels
against renderings). Each player has its own tape and Adam optimizer.

Two additions the paper's recipe lacks, both off in its plain settings (`random_targets: false`,
`age_classification: 0`): with `random_targets` every face is also rendered at a random age
group (any of the ten, its own included), and the image discriminator judges that rendering with
the label it was asked for, so the generator is trained on the task it is used for (aging), not
only on reconstruction;
with an age head on the image discriminator (trained on real faces' groups), the generator is
also asked to make the rendering read as its target group (the auxiliary classifier of Odena et
al. 2017; Wang et al.'s IPCGAN ages faces with such a loss).

A third, off in the paper's settings (`z_age_hiding: 0`): a fifth player, the z age classifier,
learns to read each face's age group from its code, and the encoder is charged for what it can
read (the latent discriminator of Lample et al.'s Fader networks, 2017). A code that keeps the
age leaves the generator free to ignore the age label, and then the label cannot age the face;
a code without it makes the label the generator's only source of age.

A fourth, off in the paper's settings (`structural_dissimilarity: 0`): 1 - SSIM joins the L1
reconstruction, since L1 alone is served best by a blur and the blur takes the wrinkles and grey
hair that make a face read as old.

The batch's randomness (prior samples, target groups) comes from a `keras.random.SeedGenerator`,
whose state is a variable of the model, so a resumed training draws what the uninterrupted one did.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import tensorflow as tf
from keras import ops

from redes.aging.groups import GENDERS
from redes.aging.models import GROUPS

Tensor = tf.Tensor


def reconstruction_loss(faces: Tensor, rendered: Tensor) -> Tensor:
    """Mean absolute difference (the authors' L1) between faces and their renderings."""
    return ops.mean(ops.abs(faces - rendered))


def structural_dissimilarity_loss(faces: Tensor, rendered: Tensor) -> Tensor:
    """1 - SSIM (Wang et al. 2004, TensorFlow's 11x11 Gaussian windows) of faces in [-1, 1]: 0 for a perfect copy.

    L1 alone is served best by a blur; SSIM compares local means, contrasts and structure, so it asks for the
    edges and textures a blur loses (the L1 + SSIM mix of Zhao et al., "Loss functions for image restoration
    with neural networks", 2017). It is the fidelity redes.aging.evaluate scores, on uint8 faces.
    """
    # SSIM's luminance term is not blind to an offset: shifted to [0, 2], faces are scored as [0, 255] ones are.
    return 1.0 - ops.mean(tf.image.ssim(faces + 1.0, rendered + 1.0, max_val=2.0))


def total_variation_loss(images: Tensor) -> Tensor:
    """Mean squared difference of vertically and of horizontally neighbouring pixels, summed."""
    vertical = ops.mean(ops.square(images[:, 1:, :, :] - images[:, :-1, :, :]))
    horizontal = ops.mean(ops.square(images[:, :, 1:, :] - images[:, :, :-1, :]))
    return vertical + horizontal


def real_loss(logits: Tensor) -> Tensor:
    """Cross-entropy of logits against "real" (what a player wants a discriminator to say of its output)."""
    return ops.mean(ops.softplus(-logits))  # -log sigmoid(l), finite for any logit


def fake_loss(logits: Tensor) -> Tensor:
    """Cross-entropy of logits against "fake"."""
    return ops.mean(ops.softplus(logits))  # -log(1 - sigmoid(l))


def group_loss(logits: Tensor, groups: Tensor) -> Tensor:
    """Cross-entropy of age-group logits against group indices."""
    return ops.mean(keras.losses.sparse_categorical_crossentropy(groups, logits, from_logits=True))


def group_hiding_loss(logits: Tensor, groups: Tensor) -> Tensor:
    """Cross-entropy of age-group logits against the batch's group frequencies, for every face alike.

    Least when the logits say no more than how common each group is: what the encoder wants the z age
    classifier to read from its codes.
    """
    frequencies = ops.mean(ops.one_hot(ops.cast(groups, "int32"), GROUPS), axis=0, keepdims=True)
    targets = ops.repeat(frequencies, ops.shape(logits)[0], axis=0)
    return ops.mean(keras.losses.categorical_crossentropy(targets, logits, from_logits=True))


def signed_labels(indices: Tensor, classes: int) -> Tensor:
    """One-hot in {-1, 1}, in the graph (redes.aging.models.signed_one_hot for NumPy)."""
    return 2.0 * ops.one_hot(ops.cast(indices, "int32"), classes) - 1.0


@dataclass(frozen=True)
class LossWeights:
    reconstruction: float
    total_variation: float
    image_adversarial: float
    z_adversarial: float
    age_classification: float
    z_age_hiding: float = 0.0
    structural_dissimilarity: float = 0.0


def faces_in_unit_range(faces: Tensor) -> Tensor:
    """uint8 faces as float32 in [-1, 1] (redes.aging.data.to_unit_range, in the graph)."""
    return ops.cast(faces, "float32") / 127.5 - 1.0


class Caae(keras.Model):
    """The conditional adversarial autoencoder.

    `fit(faces, labels)`: faces uint8 (N, S, S, 3), converted batch by batch (a quarter of the
    memory of float32 faces: 1.2 GB rather than 4.7 GB for UTKFace at 128 pixels); labels (N, 2),
    each face's age group and gender index. `fit_resumable` shuffles such arrays as it does a
    classifier's.
    """

    def __init__(
        self,
        encoder: keras.Model,
        generator: keras.Model,
        z_discriminator: keras.Model,
        image_discriminator: keras.Model,
        weights: LossWeights,
        random_targets: bool,
        seed: int,
        z_age_classifier: keras.Model | None = None,
    ) -> None:
        super().__init__(name="caae")
        self.encoder, self.generator = encoder, generator
        self.z_discriminator, self.image_discriminator = z_discriminator, image_discriminator
        self.loss_weights_of_terms = weights
        self.random_targets = random_targets
        self.age_head = "age_logits" in image_discriminator.output
        if weights.age_classification > 0 and not self.age_head:
            raise ValueError("age_classification > 0 needs an image discriminator with an age head (projection labels)")
        if weights.z_age_hiding > 0 and z_age_classifier is None:
            raise ValueError("z_age_hiding > 0 needs a z age classifier to hide the age group from")
        self.z_age_classifier = z_age_classifier
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.z_dim = encoder.output.shape[-1]
        names = (
            "loss",
            "reconstruction",
            "structural_dissimilarity",
            "total_variation",
            "image_adversarial",
            "z_adversarial",
            "age_classification",
            "z_age_hiding",
            "z_discriminator_loss",
            "image_discriminator_loss",
            "z_age_classifier_loss",
        )
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())

    def compile(self, learning_rate: float | keras.optimizers.schedules.LearningRateSchedule, beta_1: float) -> None:
        """One Adam per player; a schedule steps with each optimizer's own count of updates."""

        def adam() -> keras.optimizers.Optimizer:
            return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1)

        # Each player steps its own optimizer below; `model.optimizer`, never stepped, carries the same
        # settings for what reads it (MLflow's callback logs it as the run's optimizer), not Keras' RMSprop.
        super().compile(optimizer=adam())

        self.autoencoder_optimizer = adam()
        self.z_discriminator_optimizer = adam()
        self.image_discriminator_optimizer = adam()
        self.z_age_classifier_optimizer = adam()

    def optimized_variables(self) -> list[tuple[keras.optimizers.Optimizer, list[keras.Variable]]]:
        """Each player's optimizer with the variables it updates: what `redes.training` backs up and restores."""
        players = [
            (self.autoencoder_optimizer, [*self.encoder.trainable_variables, *self.generator.trainable_variables]),
            (self.z_discriminator_optimizer, self.z_discriminator.trainable_variables),
            (self.image_discriminator_optimizer, self.image_discriminator.trainable_variables),
        ]
        if self.z_age_classifier is not None:
            players.append((self.z_age_classifier_optimizer, self.z_age_classifier.trainable_variables))
        return players

    def call(self, faces: Tensor, labels: Tensor, training: bool = False) -> Tensor:
        """uint8 faces rendered at the age groups and genders of labels (N, 2), in [-1, 1]."""
        z = self.encoder(faces_in_unit_range(faces), training=training)
        return self.generator(
            {
                "z": z,
                "age_group": signed_labels(labels[:, 0], GROUPS),
                "gender": signed_labels(labels[:, 1], len(GENDERS)),
            },
            training=training,
        )

    def _judge(self, faces: Tensor, groups: Tensor, signed_genders: Tensor) -> dict[str, Tensor]:
        """The image discriminator on faces labelled with group indices and genders already in {-1, 1}."""
        return self.image_discriminator(
            {"face": faces, "age_group": signed_labels(groups, GROUPS), "gender": signed_genders}, training=True
        )

    @staticmethod
    def _apply(optimizer: keras.optimizers.Optimizer, tape: tf.GradientTape, loss: Tensor, model: keras.Model) -> None:
        variables = model.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))

    def train_step(self, data: tuple) -> dict[str, Tensor]:
        uint8_faces, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        faces, groups = faces_in_unit_range(uint8_faces), ops.cast(labels[:, 0], "int32")
        genders = signed_labels(labels[:, 1], len(GENDERS))
        batch = ops.shape(faces)[0]
        prior = keras.random.uniform((batch, self.z_dim), -1.0, 1.0, seed=self.seed_generator)
        targets = keras.random.randint((batch,), 0, GROUPS, seed=self.seed_generator)
        weights = self.loss_weights_of_terms
        encoder_and_generator = [self.encoder, self.generator]

        with tf.GradientTape() as tape:
            z = self.encoder(faces, training=True)
            rendered = self.generator(
                {"z": z, "age_group": signed_labels(groups, GROUPS), "gender": genders}, training=True
            )
            reconstruction = reconstruction_loss(faces, rendered)
            dissimilarity = ops.convert_to_tensor(0.0)
            if weights.structural_dissimilarity > 0:
                dissimilarity = structural_dissimilarity_loss(faces, rendered)
            variation = total_variation_loss(rendered)
            judged = self._judge(rendered, groups, genders)
            image_adversarial = real_loss(judged["logit"])
            age_classification = ops.convert_to_tensor(0.0)
            if self.random_targets:
                aged = self.generator(
                    {"z": z, "age_group": signed_labels(targets, GROUPS), "gender": genders}, training=True
                )
                judged_aged = self._judge(aged, targets, genders)
                image_adversarial = 0.5 * (image_adversarial + real_loss(judged_aged["logit"]))
                if self.age_head:
                    age_classification = group_loss(judged_aged["age_logits"], targets)
            elif self.age_head:
                age_classification = group_loss(judged["age_logits"], groups)
            z_adversarial = real_loss(self.z_discriminator(z, training=True))
            z_age_hiding = ops.convert_to_tensor(0.0)
            if self.z_age_classifier is not None:
                z_age_hiding = group_hiding_loss(self.z_age_classifier(z, training=True), groups)
            loss = (
                weights.reconstruction * reconstruction
                + weights.structural_dissimilarity * dissimilarity
                + weights.total_variation * variation
                + weights.image_adversarial * image_adversarial
                + weights.z_adversarial * z_adversarial
                + weights.age_classification * age_classification
                + weights.z_age_hiding * z_age_hiding
            )
        variables = [v for model in encoder_and_generator for v in model.trainable_variables]
        self.autoencoder_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))

        with tf.GradientTape() as tape:
            z_discriminator_loss = real_loss(self.z_discriminator(prior, training=True)) + fake_loss(
                self.z_discriminator(ops.stop_gradient(z), training=True)
            )
        self._apply(self.z_discriminator_optimizer, tape, z_discriminator_loss, self.z_discriminator)

        with tf.GradientTape() as tape:
            real = self._judge(faces, groups, genders)
            fake = fake_loss(self._judge(ops.stop_gradient(rendered), groups, genders)["logit"])
            if self.random_targets:
                fake = 0.5 * (fake + fake_loss(self._judge(ops.stop_gradient(aged), targets, genders)["logit"]))
            image_discriminator_loss = real_loss(real["logit"]) + fake
            if self.age_head:
                image_discriminator_loss = image_discriminator_loss + group_loss(real["age_logits"], groups)
        self._apply(self.image_discriminator_optimizer, tape, image_discriminator_loss, self.image_discriminator)

        z_age_classifier_loss = ops.convert_to_tensor(0.0)
        if self.z_age_classifier is not None:
            with tf.GradientTape() as tape:
                z_age_classifier_loss = group_loss(self.z_age_classifier(ops.stop_gradient(z), training=True), groups)
            self._apply(self.z_age_classifier_optimizer, tape, z_age_classifier_loss, self.z_age_classifier)

        for name, value in (
            ("loss", loss),
            ("reconstruction", reconstruction),
            ("structural_dissimilarity", dissimilarity),
            ("total_variation", variation),
            ("image_adversarial", image_adversarial),
            ("z_adversarial", z_adversarial),
            ("age_classification", age_classification),
            ("z_age_hiding", z_age_hiding),
            ("z_discriminator_loss", z_discriminator_loss),
            ("image_discriminator_loss", image_discriminator_loss),
            ("z_age_classifier_loss", z_age_classifier_loss),
        ):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def test_step(self, data: tuple) -> dict[str, Tensor]:
        """Validation: how well faces are rendered back at their own age (what the fidelity metrics score)."""
        faces, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        rendered = self(faces, labels)
        self.trackers["reconstruction"].update_state(reconstruction_loss(faces_in_unit_range(faces), rendered))
        return {"reconstruction": self.trackers["reconstruction"].result()}
