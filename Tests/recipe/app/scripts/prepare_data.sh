#!/bin/sh
# A repository script, as Linnaeus has them: it runs from the image's /opt/linnaeus.
set -e
exec python -c 'from linnaeus_fixture.data import write_example; write_example("data/train.h5")'
