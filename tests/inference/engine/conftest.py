"""The engine tests run many tiny forward passes: one intra-op thread avoids oversubscribing small CI machines."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="package")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
