#!/bin/sh
# The style check is part of the test suite.
exec sh "$NX_SOURCE_DIR/scripts/style-check.sh"
