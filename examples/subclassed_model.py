"""A subclassed model with a GRU encoder (data flow through call())."""
import tensorflow as tf


class Forecaster(tf.keras.Model):
    def __init__(self, units=64):
        super().__init__()
        self.encoder = tf.keras.layers.GRU(32)
        self.decoder = tf.keras.layers.GRU(units)
        self.head = tf.keras.layers.Dense(1)

    def call(self, inputs):
        x = self.encoder(inputs)
        x = self.decoder(x)
        return self.head(x)


model = Forecaster()
model.compile("adam", "mse")
