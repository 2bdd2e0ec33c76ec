"""Fixtures for the media tests: real local HTTP servers."""

from __future__ import annotations

import pytest

from tests.unit.media.image_server import ImageServer


@pytest.fixture
def image_server():
    server = ImageServer()
    yield server
    server.close()


@pytest.fixture
def other_server():
    server = ImageServer()
    yield server
    server.close()
