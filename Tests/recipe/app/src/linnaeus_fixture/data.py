"""Data loading: HDF5 arrays and images decoded with OpenCV (which needs libGL and glib)."""
import cv2
import h5py
import numpy as np


def load_images(path, size):
    with h5py.File(path, "r") as f:
        images = np.asarray(f["images"])
    return np.stack([cv2.resize(img, (size, size)) for img in images])


def write_example(path, count=2, size=8):
    with h5py.File(path, "w") as f:
        f["images"] = np.zeros((count, size, size, 3), dtype=np.uint8)
