"""Output formats for findings. Each reporter is a function (findings, files) -> text."""
