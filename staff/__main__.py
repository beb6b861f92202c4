from staff.cli import main

main()
