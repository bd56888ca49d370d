"""Configuration the way Linnaeus does it: yacs defaults, overridden from a YAML file."""
import yaml
from yacs.config import CfgNode as CN

_C = CN()
_C.DATA = CN()
_C.DATA.PATH = "data/train.h5"
_C.DATA.IMG_SIZE = 64
_C.TRAIN = CN()
_C.TRAIN.EPOCHS = 1
_C.OUTPUT = "outputs"


def get_config(path=None):
    cfg = _C.clone()
    if path:
        with open(path) as f:
            cfg.merge_from_other_cfg(CN(yaml.safe_load(f)))
    cfg.freeze()
    return cfg
