"""Friendlier values (issue 14): a numeric network's totals and records are Python ints;
sweeps iterate over rows, leave an invalid row's counts empty and export to pandas;
symcnn sweep takes zoo names; the zoo's square inputs take a height and a width apart,
checked against torchvision's models on rectangular images."""

from __future__ import annotations

import io
import json

import pytest

import symcnn
from symcnn import zoo
from symcnn.cli import main

np = pytest.importorskip("numpy")


def test_a_numeric_networks_totals_and_records_are_ints():
    net = zoo.load("resnet18", {"n": 224})
    assert all(type(v) is int for v in (net.params, net.non_trainable, net.macs,
                                        net.activations, net.totals.flops))
    assert f"{net.params:,}" == "11,689,512"
    assert json.loads(json.dumps({"params": net.params, "macs": net.macs})) == {
        "params": 11689512, "macs": 1814073344}
    record = net.layers[1]
    assert (type(record.params), type(record.macs), record.output_shape) == (int, int,
                                                                             (112, 112, 64))
    assert json.dumps([r.output_shape for r in net.layers[:2]]) == \
        "[[224, 224, 3], [112, 112, 64]]"
    assert net.exact.totals.trainable.is_Integer  # the sympy values are still there


def test_a_symbolic_network_keeps_sympy_values():
    net = zoo.load("resnet18")
    assert net.macs.free_symbols and net.params.is_Integer
    assert net.layers[1].output_shape[0].free_symbols


def test_a_sweep_iterates_over_rows_and_leaves_invalid_counts_empty():
    table = symcnn.parse("I(n, n, 3) C(8, 3) P(2)").sweep(n=[3, 4, 6])
    rows = list(table)
    assert [row["valid"] for row in rows] == [False, True, True]
    assert rows[0] == {"n": 3, "params": None, "non_trainable": None, "macs": None,
                       "out_h": None, "out_w": None, "out_c": None, "valid": False}
    assert (rows[1]["macs"], rows[2]["out_h"]) == (2 * 2 * 8 * 27, 2)
    out = io.StringIO()
    table.to_csv(out)
    assert out.getvalue().splitlines()[1:] == ["3,,,,,,,false", "4,224,0,864,1,1,8,true",
                                               "6,224,0,3456,2,2,8,true"]


def test_to_pandas():
    pytest.importorskip("pandas", reason="Sweep.to_pandas needs pandas")
    table = symcnn.parse("I(n, n, 3) C(f, 3) P(2)").sweep(n=[3, 4], f=[8, 2**62])
    frame = table.to_pandas()
    assert list(frame.columns) == list(table.columns)
    assert str(frame["params"].dtype) == "object"  # past int64: Python ints
    assert frame["params"].tolist() == [None, None, 224, 28 * 2**62]
    assert str(frame["out_c"].dtype) == "Int64" and frame["out_c"][3] == 2**62
    small = symcnn.parse("I(n, n, 3) C(8, 3) P(2)").sweep(n=[3, 4]).to_pandas()
    assert str(small["macs"].dtype) == "Int64"
    assert small["macs"].isna().tolist() == [True, False] and small["macs"][1] == 864


def test_symcnn_sweep_takes_zoo_names_and_their_height_and_width(capsys):
    assert main(["sweep", "vgg16", "n=31,32"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "31,,,,,false", "32,138357544,0,436830208,1000,true"]
    assert main(["sweep", "resnet50", "h=224", "w=224,384"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "h,w,params,non_trainable,macs,out_f,valid"
    assert rows[1] == "224,224,25557032,53120,4089184256,1000,true"


def test_the_zoo_takes_a_height_and_a_width():
    net = zoo.load("resnet50", h=512, w=384)
    assert net.input_shape == (512, 384, 3) and not net.symbols
    assert zoo.load("resnet50", h=224, w=224).macs == zoo.load("resnet50", n=224).macs
    assert [s.name for s in zoo.load("resnet50", h=224).symbols] == ["w"]
    with pytest.raises(symcnn.SymcnnError, match="lenet5's input is not written I"):
        zoo.load("lenet5", h=32)


def test_the_cli_zoo_takes_a_height_and_a_width(capsys):
    assert main(["zoo", "resnet50", "--set", "h=512", "w=384", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["input_shape"] == [512, 384, 3] and data["totals"]["macs"] == 16016949248


@pytest.mark.parametrize("name, h, w", [("resnet50", 512, 384), ("vgg16", 224, 320),
                                        ("mobilenet_v2", 160, 288),
                                        ("efficientnet_b0", 256, 192)])
def test_rectangular_inputs_agree_with_torchvision(name, h, w):
    tm = pytest.importorskip("torchvision_models")
    assert tm.counts(zoo.load(name, h=h, w=w)) == tm.measured(tm.model(name), h, w)
