from linnaeus_fixture.config import get_config


def test_defaults():
    assert get_config().DATA.IMG_SIZE == 64
