"""Console script: `linnaeus-fixture train|rclone|versions`."""
import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="linnaeus-fixture")
    parser.add_argument("command", choices=["train", "rclone", "versions"])
    parser.add_argument("--config")
    args = parser.parse_args(argv)
    if args.command == "train":
        from .train import train
        train(args.config)
    elif args.command == "rclone":
        from .sync import rclone_version
        print(rclone_version())
    else:
        import cv2, h5py, numpy, torch, yaml
        print(f"torch {torch.__version__} numpy {numpy.__version__} cv2 {cv2.__version__} h5py {h5py.__version__} yaml {yaml.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
