from lstmlint.cli import main

main(prog_name="lstmlint")
