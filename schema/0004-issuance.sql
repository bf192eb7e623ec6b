-- Schema version 4: issuance. Pending vouchers (staged, never redeemable) are
-- found through a small partial index, so that activation can flip them to
-- 'issued' in short transactions and an interrupted batch can be swept
-- without scanning every voucher. Issued vouchers are protected: a voucher
-- leaves 'pending' once and never comes back to it, is deleted only while
-- pending, and its token, value and campaign never change.

CREATE INDEX vouchers_pending ON vouchers (batch_id) WHERE status = 'pending';

CREATE TRIGGER vouchers_delete_pending_only BEFORE DELETE ON vouchers
WHEN OLD.status <> 'pending'
BEGIN SELECT RAISE(ABORT, 'only pending vouchers can be deleted'); END;

CREATE TRIGGER vouchers_never_pending_again BEFORE UPDATE OF status ON vouchers
WHEN NEW.status = 'pending' AND OLD.status <> 'pending'
BEGIN SELECT RAISE(ABORT, 'a voucher never goes back to pending'); END;

CREATE TRIGGER vouchers_fixed BEFORE UPDATE OF serial, token, campaign_id, batch_id, value_cents,
    last_day, issued_at ON vouchers
BEGIN SELECT RAISE(ABORT, 'a voucher''s token and terms never change'); END;
