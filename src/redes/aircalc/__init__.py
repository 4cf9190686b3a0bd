"""AirCalc: a calculator for arithmetic written in the air, on a canvas or on paper."""
