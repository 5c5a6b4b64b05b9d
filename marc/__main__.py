from marc.cli import main

main()
