"""The Modbus driver against a real Modbus TCP peer: pymodbus's own server on loopback."""

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pymodbus.datastore import (
    ModbusDeviceContext,
    ModbusSequentialDataBlock,
    ModbusServerContext,
)
from pymodbus.server import ModbusTcpServer

from core.schemas import SensorKind
from devtools.servers import free_port
from edge.drivers.base import load_sensor_driver
from edge.drivers.modbus import ModbusSensor

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _float_words(value: float) -> list[int]:
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [hi, lo]


class ModbusPeer:
    """pymodbus ModbusTcpServer in its own event-loop thread."""

    def __init__(self, holding: list[int], inputs: list[int]) -> None:
        # pymodbus data blocks count from 1 (Modbus "register 1" is wire address 0).
        self.device = ModbusDeviceContext(
            hr=ModbusSequentialDataBlock(1, holding),  # type: ignore[no-untyped-call]
            ir=ModbusSequentialDataBlock(1, inputs),  # type: ignore[no-untyped-call]
        )
        self.context = ModbusServerContext(devices=self.device, single=True)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.server: ModbusTcpServer | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self.server = ModbusTcpServer(self.context, address=("127.0.0.1", self.port))
            self.ready.set()
            await self.server.serve_forever()

        self.loop.run_until_complete(main())

    def start(self) -> None:
        self.thread.start()
        assert self.ready.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # listening once a connection is accepted
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("pymodbus server did not listen")

    def stop(self) -> None:
        assert self.server is not None
        stopping = self.server.shutdown()  # type: ignore[no-untyped-call]
        asyncio.run_coroutine_threadsafe(stopping, self.loop).result(10)
        self.thread.join(10)


@pytest.fixture
def peer() -> Iterator[ModbusPeer]:
    """A Modbus TCP server with a fridge's registers: int16 x0.1 temperature, float humidity."""
    holding = [(-185) & 0xFFFF, 0, *_float_words(63.5)]  # -18.5 degC at 0; 63.5 % at 2-3
    inputs = [412]  # 41.2 degC at input register 0
    server = ModbusPeer(holding, inputs)
    server.start()
    yield server
    server.stop()


def test_edge_modbus_reads_real_server(peer: ModbusPeer) -> None:
    driver = load_sensor_driver(
        {
            "type": "modbus",
            "id": "fridge1",
            "zone": "cold_room",
            "host": "127.0.0.1",
            "port": peer.port,
            "registers": [
                {"sensor": "fridge1_t", "kind": "temperature", "address": 0, "scale": 0.1},
                {"sensor": "fridge1_rh", "kind": "humidity", "address": 2, "data_type": "float32"},
                {
                    "sensor": "hot_t",
                    "kind": "temperature",
                    "address": 0,
                    "function": "input",
                    "data_type": "uint16",
                    "scale": 0.1,
                },
            ],
        }
    )
    assert isinstance(driver, ModbusSensor)
    driver.open()
    try:
        got = {s.sensor: (s.value, s.kind, s.unit, s.zone, s.ts) for s in driver.read(NOW)}
        assert got == {
            "fridge1_t": (-18.5, SensorKind.TEMPERATURE, "degC", "cold_room", NOW),
            "fridge1_rh": (63.5, SensorKind.HUMIDITY, "%", "cold_room", NOW),
            "hot_t": (41.2, SensorKind.TEMPERATURE, "degC", "cold_room", NOW),
        }
        # The connection is kept and reused for the next read.
        again = {s.sensor: s.value for s in driver.read(NOW)}
        assert again == {"fridge1_t": -18.5, "fridge1_rh": 63.5, "hot_t": 41.2}
    finally:
        driver.close()


def test_edge_modbus_unreachable_device_is_oserror() -> None:
    driver = load_sensor_driver(
        {
            "type": "modbus",
            "id": "gone",
            "host": "127.0.0.1",
            "port": free_port(),
            "timeout_s": 0.3,
            "retries": 0,
            "registers": [{"sensor": "gone_t", "kind": "temperature", "address": 0}],
        }
    )
    driver.open()
    with pytest.raises(OSError, match="gone"):
        driver.read(NOW)
    driver.close()
