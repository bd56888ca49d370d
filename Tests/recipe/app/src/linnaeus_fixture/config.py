"""Configuration the way Linnaeus does it: yacs defaults, overridden from a YAML file. The default
file is configs/default.yaml in the repository, found relative to this source file: the
application expects its code to run from its repository, not from a copy in site-packages."""
from pathlib import Path

import yaml
from yacs.config import CfgNode as CN

# src/linnaeus_fixture/config.py -> the repository root
REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT = REPOSITORY / "configs" / "default.yaml"

_C = CN()
_C.DATA = CN()
_C.DATA.PATH = "data/train.h5"
_C.DATA.IMG_SIZE = 64
_C.TRAIN = CN()
_C.TRAIN.EPOCHS = 1
_C.OUTPUT = "outputs"


def get_config(path=None):
    cfg = _C.clone()
    with open(path or DEFAULT) as f:
        cfg.merge_from_other_cfg(CN(yaml.safe_load(f)))
    cfg.freeze()
    return cfg
