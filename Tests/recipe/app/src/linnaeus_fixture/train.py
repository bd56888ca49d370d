"""The training entry point: imports everything the real one imports at the top level."""
import os

import torch
from termcolor import colored
from tqdm import tqdm

from .config import get_config
from .data import load_images, write_example


def train(config_path=None):
    cfg = get_config(config_path)
    os.makedirs(cfg.OUTPUT, exist_ok=True)
    if not os.path.exists(cfg.DATA.PATH):
        os.makedirs(os.path.dirname(cfg.DATA.PATH) or ".", exist_ok=True)
        write_example(cfg.DATA.PATH)
    images = load_images(cfg.DATA.PATH, cfg.DATA.IMG_SIZE)
    for _ in tqdm(range(cfg.TRAIN.EPOCHS), desc="epochs"):
        pass
    print(colored(f"trained on {len(images)} images with torch {torch.__version__}", "green"))
    return len(images)
