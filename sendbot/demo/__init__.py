"""The demo school: a synthetic primary written as an MIS roster export, so the demo goes
through the same importer a real school uses."""

from sendbot.demo.school import write_demo_roster

__all__ = ["write_demo_roster"]
