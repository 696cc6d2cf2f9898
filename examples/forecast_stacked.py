"""Univariate time-series forecasting with a stacked LSTM (a typical tutorial script)."""
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

look_back = 30
n_features = 1


def make_windows(series, look_back):
    X, y = [], []
    for i in range(len(series) - look_back):
        X.append(series[i : i + look_back])
        y.append(series[i + look_back])
    return np.array(X), np.array(y)


series = np.sin(np.linspace(0, 100, 2000))
X, y = make_windows(series, look_back)
X = X.reshape((X.shape[0], look_back, n_features))

model = keras.Sequential([
    keras.Input(shape=(look_back, n_features)),
    layers.LSTM(look_back),
    layers.Dropout(0.2),
    layers.LSTM(16),
    layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse")
model.fit(X, y, epochs=10, batch_size=32, validation_split=0.1)
