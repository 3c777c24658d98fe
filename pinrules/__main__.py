from ._cli import script

script()
