"""Fixtures of the recorder's integration tests: a private broker, a frame publisher, frames.

Each test takes a private Mosquitto (some subscribe to every camera with a wildcard, and
a shared broker would mix other tests' frames in) and publishes real JPEGs with their
metadata in MQTT 5 user properties, as edge agents do.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import cv2
import numpy as np
import pytest

from core.mqtt import MqttClient
from core.schemas import FrameMeta
from core.settings import MqttSettings
from core.topics import frame_topic
from devtools.servers import LocalMosquitto


@dataclass
class Broker:
    server: LocalMosquitto
    settings: MqttSettings


@pytest.fixture
def broker(mosquitto_factory: Callable[..., LocalMosquitto]) -> Broker:
    """A private Mosquitto and client settings for it."""
    server = mosquitto_factory()
    return Broker(
        server,
        MqttSettings(host=server.host, port=server.port, reconnect_min_s=0.2, reconnect_max_s=2),
    )


def make_jpegs(n: int, width: int = 320, height: int = 240, seed: int = 0) -> list[bytes]:
    """n distinct JPEG frames, each encoded once."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        img = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
        cv2.putText(img, str(i), (20, height // 2), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
        assert ok
        out.append(buf.tobytes())
    return out


@pytest.fixture
def jpeg_factory() -> Callable[..., list[bytes]]:
    """make_jpegs(n, width, height, seed)."""
    return make_jpegs


class Camera:
    """Publishes frames as an edge agent does (JPEG bytes, metadata in user properties)."""

    def __init__(self, client: MqttClient) -> None:
        self.client = client
        self.seq = 0

    def send(
        self, site: str, camera: str, ts_ms: int, jpeg: bytes, w: int = 320, h: int = 240
    ) -> None:
        meta = FrameMeta(
            ts=datetime.fromtimestamp(ts_ms / 1000, UTC),
            seq=self.seq,
            size=len(jpeg),
            width=w,
            height=h,
        )
        self.seq += 1
        self.client.publish(
            frame_topic(site, camera),
            jpeg,
            qos=1,
            user_properties=meta.user_properties(),
            content_type="image/jpeg",
        ).wait_for_publish(5)


@pytest.fixture
def camera(broker: Broker) -> Iterator[Camera]:
    """A connected frame publisher on the private broker."""
    client = MqttClient(broker.settings, persistent=False)
    client.connect(10)
    yield Camera(client)
    client.close()


def wait_for(cond: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll `cond` until true or `timeout` (generous: the machine may be busy)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


@pytest.fixture
def waiter() -> Callable[..., bool]:
    """wait_for(cond, timeout)."""
    return wait_for
