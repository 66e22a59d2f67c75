from producer_discovery.cli import main

main()
