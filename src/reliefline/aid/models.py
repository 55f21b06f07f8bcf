"""Items, warehouses, the append-only stock ledger, aid plans and distributions."""
