"""sendbot: SEND and safeguarding work for schools in England, in chat."""

__version__ = "0.1.0"
