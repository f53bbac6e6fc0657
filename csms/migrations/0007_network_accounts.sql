-- The network's own ledger accounts move under `network:`, a prefix no Green Card's account can
-- take: a card with the id tag `issued` or `redeemed` was the points accounts `points:issued`
-- and `points:redeemed` themselves. Transfers refer to accounts, so the new rows come first.
INSERT INTO ledger_accounts (account, unit, balance)
    SELECT CASE account
               WHEN 'points:issued' THEN 'network:points-issued'
               WHEN 'points:redeemed' THEN 'network:points-redeemed'
               ELSE 'network:' || account
           END, unit, balance
    FROM ledger_accounts
    WHERE account IN ('revenue', 'psp', 'cash', 'sepa', 'points:issued', 'points:redeemed');
UPDATE ledger_transfers SET from_account = CASE from_account
        WHEN 'points:issued' THEN 'network:points-issued'
        WHEN 'points:redeemed' THEN 'network:points-redeemed'
        ELSE 'network:' || from_account
    END
    WHERE from_account IN ('revenue', 'psp', 'cash', 'sepa', 'points:issued', 'points:redeemed');
UPDATE ledger_transfers SET to_account = CASE to_account
        WHEN 'points:issued' THEN 'network:points-issued'
        WHEN 'points:redeemed' THEN 'network:points-redeemed'
        ELSE 'network:' || to_account
    END
    WHERE to_account IN ('revenue', 'psp', 'cash', 'sepa', 'points:issued', 'points:redeemed');
DELETE FROM ledger_accounts
    WHERE account IN ('revenue', 'psp', 'cash', 'sepa', 'points:issued', 'points:redeemed');
