from linnaeus_fixture.config import DEFAULT, get_config


def test_defaults_come_from_the_repository():
    assert DEFAULT.is_file()
    assert get_config().DATA.IMG_SIZE == 32
