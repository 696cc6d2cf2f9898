"""Sentiment classification with an Embedding and a bidirectional LSTM stack (clean: no findings)."""
import tensorflow as tf

vocab_size = 20000
maxlen = 200

inputs = tf.keras.Input(shape=(maxlen,), dtype="int32")
x = tf.keras.layers.Embedding(vocab_size, 128)(inputs)
x = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(64, return_sequences=True))(x)
x = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(64))(x)
outputs = tf.keras.layers.Dense(1, activation="sigmoid")(x)
model = tf.keras.Model(inputs, outputs)
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
