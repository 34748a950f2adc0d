"""便民服务: tickets, the service catalogue, the working-day calendar, statistics, the ledger's spreadsheet exchange."""
