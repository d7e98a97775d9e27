"""Modbus RTU/TCP temperature and humidity sensors (pymodbus 3.x, synchronous client).

Most kitchen cold-chain transmitters (RS-485 T/H probes, fridge controllers) publish
their values as holding or input registers, scaled integers or IEEE floats. The
register map is configuration, so one driver covers them all:

    type: modbus
    id: fridge1
    transport: tcp          # tcp | rtu | rtu_over_tcp
    host: 192.168.1.20
    port: 502
    device_id: 1
    registers:
      - {sensor: fridge1_t, kind: temperature, address: 0, data_type: int16, scale: 0.1}
      - {sensor: fridge1_rh, kind: humidity, address: 1, data_type: uint16, scale: 0.1}

Registers of one function that fit in one request (125 words) are read in a single
round trip. A failed read raises OSError, which the agent counts and logs.
"""

import logging
import threading
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.errors import ConfigError
from core.ids import Id
from core.schemas import KIND_SPECS, SensorKind
from edge.drivers.base import DriverConfig, Sample, SensorDriver

logger = logging.getLogger(__name__)

DataType = Literal["int16", "uint16", "int32", "uint32", "float32"]
WORDS: dict[str, int] = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2}
MAX_WORDS = 125


class RegisterSpec(BaseModel):
    """Where one value lives and how to turn the raw words into a measurement."""

    model_config = ConfigDict(extra="forbid")

    sensor: Id = Field(description="Sensor id of this value")
    kind: SensorKind = Field(description="What it measures (fixes the unit)")
    address: int = Field(ge=0, le=65535, description="Register address (0-based, as on the wire)")
    function: Literal["holding", "input"] = Field(
        default="holding", description="holding (FC3) or input (FC4) registers"
    )
    data_type: DataType = Field(default="int16", description="How the words are encoded")
    word_order: Literal["big", "little"] = Field(
        default="big", description="Word order of 32-bit values"
    )
    scale: float = Field(default=1.0, description="value = raw * scale + offset")
    offset: float = Field(default=0.0, description="Added after scaling")


class ModbusConfig(DriverConfig):
    type: Literal["modbus"] = "modbus"
    transport: Literal["tcp", "rtu", "rtu_over_tcp"] = Field(
        default="tcp", description="Modbus TCP, RTU on a serial port, or RTU framed over TCP"
    )
    host: str | None = Field(default=None, description="Device or gateway address (tcp)")
    port: int = Field(default=502, ge=1, le=65535, description="TCP port")
    serial_port: str | None = Field(default=None, description="Serial device, e.g. /dev/ttyUSB0")
    baudrate: int = Field(default=9600, description="Serial speed")
    parity: Literal["N", "E", "O"] = Field(default="N", description="Serial parity")
    stopbits: Literal[1, 2] = Field(default=1, description="Serial stop bits")
    device_id: int = Field(default=1, ge=0, le=247, description="Modbus unit (slave) id")
    timeout_s: float = Field(default=1.0, gt=0, le=30, description="Per-request timeout")
    retries: int = Field(default=1, ge=0, le=10, description="Retries per request")
    registers: list[RegisterSpec] = Field(min_length=1, description="Values to read")

    @model_validator(mode="after")
    def _transport_needs(self) -> "ModbusConfig":
        if self.transport in ("tcp", "rtu_over_tcp") and not self.host:
            raise ValueError(f"transport {self.transport} needs host")
        if self.transport == "rtu" and not self.serial_port:
            raise ValueError("transport rtu needs serial_port")
        return self


def _groups(registers: list[RegisterSpec]) -> list[tuple[str, int, int, list[RegisterSpec]]]:
    """(function, start, count, registers) requests covering all registers."""
    out: list[tuple[str, int, int, list[RegisterSpec]]] = []
    for function in ("holding", "input"):
        regs = sorted((r for r in registers if r.function == function), key=lambda r: r.address)
        if not regs:
            continue
        start = regs[0].address
        end = max(r.address + WORDS[r.data_type] for r in regs)
        if end - start <= MAX_WORDS:
            out.append((function, start, end - start, regs))
        else:
            out.extend((function, r.address, WORDS[r.data_type], [r]) for r in regs)
    return out


class ModbusSensor(SensorDriver):
    """Reads a register map from one Modbus device per call."""

    type_key: ClassVar[str] = "modbus"
    config_model: ClassVar[type[DriverConfig]] = ModbusConfig

    def __init__(self, config: DriverConfig) -> None:
        super().__init__(config)
        if not isinstance(config, ModbusConfig):
            raise ConfigError(f"modbus driver got a {type(config).__name__}")
        self.cfg = config
        self._client: Any = None
        self._lock = threading.Lock()
        self._requests = _groups(config.registers)

    def open(self) -> None:
        from pymodbus import FramerType
        from pymodbus.client import ModbusSerialClient, ModbusTcpClient

        cfg = self.cfg
        common: dict[str, Any] = {"timeout": cfg.timeout_s, "retries": cfg.retries}
        if cfg.transport == "rtu":
            assert cfg.serial_port is not None
            self._client = ModbusSerialClient(
                cfg.serial_port,
                framer=FramerType.RTU,
                baudrate=cfg.baudrate,
                parity=cfg.parity,
                stopbits=cfg.stopbits,
                **common,
            )
        else:
            framer = FramerType.SOCKET if cfg.transport == "tcp" else FramerType.RTU
            assert cfg.host is not None
            self._client = ModbusTcpClient(cfg.host, port=cfg.port, framer=framer, **common)

    def read(self, now: datetime) -> list[Sample]:
        from pymodbus.exceptions import ModbusException

        if self._client is None:
            self.open()
        client = self._client
        samples: list[Sample] = []
        with self._lock:
            try:
                if not client.connected and not client.connect():
                    raise OSError(f"modbus {self.config.id}: cannot connect to {self._where()}")
                for function, start, count, regs in self._requests:
                    call = (
                        client.read_holding_registers
                        if function == "holding"
                        else client.read_input_registers
                    )
                    result = call(start, count=count, device_id=self.cfg.device_id)
                    if result.isError():
                        raise OSError(
                            f"modbus {self.config.id}: {function} registers {start}+{count}: "
                            f"{result}"
                        )
                    words: list[int] = list(result.registers)
                    for reg in regs:
                        samples.append(self._sample(client, reg, words[reg.address - start :], now))
            except ModbusException as exc:
                client.close()  # reconnect on the next read
                raise OSError(f"modbus {self.config.id} at {self._where()}: {exc}") from exc
        return samples

    def _sample(self, client: Any, reg: RegisterSpec, words: list[int], now: datetime) -> Sample:
        n = WORDS[reg.data_type]
        dtype = getattr(client.DATATYPE, reg.data_type.upper())
        raw = client.convert_from_registers(words[:n], dtype, word_order=reg.word_order)
        value = float(raw) * reg.scale + reg.offset
        unit = KIND_SPECS[reg.kind][0]
        return Sample(reg.sensor, reg.kind, round(value, 6), unit, now, self.config.zone)

    def _where(self) -> str:
        if self.cfg.transport == "rtu":
            return f"{self.cfg.serial_port} unit {self.cfg.device_id}"
        return f"{self.cfg.host}:{self.cfg.port} unit {self.cfg.device_id}"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
