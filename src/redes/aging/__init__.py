"""Face aging: a conditional adversarial autoencoder (Zhang, Song, Qi 2017) on UTKFace, judged by an age estimator."""
