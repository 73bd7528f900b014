"""Collect tests/policy/<pack>/*.yaml: every case is a test item a policy officer can read and write."""

from __future__ import annotations

import pytest
import yaml

from tests.policy.cases import compare, compare_hires, evaluate_file


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".yaml" and file_path.parent.parent.name == "policy":
        return PolicyFile.from_parent(parent, path=file_path)
    return None


class PolicyFile(pytest.File):
    """One YAML file: one snapshot and one evaluation, shared by its cases."""

    def collect(self):
        doc = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        self.doc = doc
        self.results = None
        for case in doc["cases"]:
            item = PolicyCase.from_parent(self, name=case["name"], case=case)
            if "spark" in doc.get("engine", ""):
                item.add_marker(pytest.mark.spark)
            yield item

    def decided(self, tmp_factory):
        if self.results is None:
            self.results = evaluate_file(self.doc, tmp_factory.mktemp(self.path.stem))
        return self.results


class PolicyCase(pytest.Item):
    """One unit: its expected decision, amount, size class, rate and reasons."""

    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def runtest(self):
        results = self.parent.decided(self.config._tmp_path_factory)
        got = results[self.case["name"]]
        problems = compare(self.case["expect"], got) + compare_hires(self.case, got, self.parent.doc.get("defaults", {}))
        if problems:
            raise PolicyMismatch(problems)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, PolicyMismatch):
            return f"{self.parent.path.name} — {self.name}:\n  " + "\n  ".join(excinfo.value.args[0])
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"policy case: {self.name}"


class PolicyMismatch(AssertionError):
    """The engine decided differently from what the case says the law requires."""
