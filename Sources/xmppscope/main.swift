XMPPScope.main()
