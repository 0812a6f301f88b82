from ustglass.app import main

main()
