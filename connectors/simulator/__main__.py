from connectors.simulator.server import main

main()
