"""The optional reinforcement-learning part: needs the `rl` extra (gymnasium), which the default
presets do not install. The recipe test reports this module as skipped, naming the extra."""
import gymnasium


def make_env(name: str = "CartPole-v1"):
    return gymnasium.make(name)
