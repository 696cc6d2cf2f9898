"""A script written for Keras 2 that meets Keras 3 (CuDNN layers, Keras-2 arguments, batch in input_shape)."""
import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Dense, GRU

X_train = np.zeros((1000, 50, 6))
y_train = np.zeros((1000, 1))

model = tf.keras.models.Sequential()
model.add(tf.compat.v1.keras.layers.CuDNNLSTM(64, return_sequences=True, input_shape=X_train.shape))
model.add(GRU(32, return_sequence=True, recurrent_dropout=0.2))
model.add(Dense(1))
model.compile(loss="mse", optimizer="adam")
model.fit(X_train, y_train, epochs=5)
