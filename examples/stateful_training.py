"""A stateful LSTM trained epoch by epoch, as in many Keras 2 era blog posts."""
import numpy as np
import keras

batch_size = 4
timesteps = 10
features = 8

X = np.random.rand(64, timesteps, features)
y = np.random.rand(64, 1)

model = keras.Sequential()
model.add(keras.Input(shape=(timesteps, features), batch_size=batch_size))
model.add(keras.layers.LSTM(32, stateful=True))
model.add(keras.layers.Dense(1))
model.compile(optimizer="adam", loss="mse")

for epoch in range(20):
    model.fit(X, y, batch_size=batch_size, epochs=1)
    model.reset_states()

predictions = model.predict(X)
