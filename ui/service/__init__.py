"""The 便民服务 tab: intake, ledger, statistics, administration."""
