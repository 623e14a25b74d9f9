"""The `sendbot` command line: one module per command group, composed here."""

from __future__ import annotations

import typer

from sendbot.cli import audit as audit_commands
from sendbot.cli import chat as chat_command
from sendbot.cli import db as db_commands
from sendbot.cli import deadlines as deadlines_command
from sendbot.cli import demo as demo_command
from sendbot.cli import digest as digest_command
from sendbot.cli import export as export_commands
from sendbot.cli import export_provision
from sendbot.cli import guardian as guardian_commands
from sendbot.cli import invite as invite_commands
from sendbot.cli import keys as keys_commands
from sendbot.cli import pupil as pupil_commands
from sendbot.cli import retention as retention_commands
from sendbot.cli import roster as roster_commands
from sendbot.cli import safeguarding as safeguarding_commands
from sendbot.cli import school as school_commands
from sendbot.cli import serve as serve_command
from sendbot.cli import slack as slack_commands
from sendbot.cli import teams as teams_commands
from sendbot.cli import terms as terms_commands
from sendbot.cli import tick as tick_command

app = typer.Typer(
    help="sendbot: SEND and safeguarding work for schools in England, in chat.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(roster_commands.app, name="import")
app.add_typer(keys_commands.app, name="keys")
app.add_typer(audit_commands.app, name="audit")
app.add_typer(export_commands.app, name="export")
export_provision.register(export_commands.app)
app.add_typer(retention_commands.app, name="retention")
app.add_typer(slack_commands.app, name="slack")
app.add_typer(teams_commands.app, name="teams")
app.add_typer(invite_commands.app, name="invite")
app.add_typer(guardian_commands.app, name="guardian")
app.add_typer(safeguarding_commands.app, name="safeguarding")
app.command(name="chat")(chat_command.chat)
app.command(name="serve")(serve_command.serve)
app.command(name="demo")(demo_command.demo)
app.add_typer(terms_commands.app, name="terms")
app.add_typer(school_commands.app, name="school")
app.add_typer(pupil_commands.app, name="pupil")
app.command(name="deadlines")(deadlines_command.deadlines)
app.command(name="digest")(digest_command.digest)
app.command(name="tick")(tick_command.tick)
