"""Next-frame prediction with ConvLSTM2D on single frames (the time axis is missing)."""
import keras
from keras import layers

frames = keras.Input(shape=(64, 64, 1))
x = layers.ConvLSTM2D(32, kernel_size=(3, 3), padding="same", return_sequences=True)(frames)
x = layers.BatchNormalization()(x)
x = layers.ConvLSTM2D(32, kernel_size=(3, 3), padding="same")(x)
outputs = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
model = keras.Model(frames, outputs)
