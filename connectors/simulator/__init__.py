"""A runnable fake portal: pull API, webhook sender, fault modes, deterministic data."""

from connectors.simulator.app import create_simulator_app
from connectors.simulator.dataset import Dataset, generate_dataset
from connectors.simulator.faults import Faults
from connectors.simulator.server import run_simulator
from connectors.simulator.webhook import PushResult, push_webhooks

__all__ = [
    "Dataset",
    "Faults",
    "PushResult",
    "create_simulator_app",
    "generate_dataset",
    "push_webhooks",
    "run_simulator",
]
