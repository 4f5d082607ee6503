# age.sh ORDER - the payload of ORDER's queued row as an older version wrote it: a ShippingMethod
# of 51 characters (carriers.map maps RM24 to "Tracked 24")
$WB_PY - "$SPOOL/ledger.db" "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
n = con.execute("UPDATE rows SET payload = replace(payload, 'Tracked 24', ?) WHERE key LIKE ?"
                " AND state = 1 AND payload LIKE '%Tracked 24%'",
                ("0" * 51, sys.argv[2] + "|%")).rowcount
con.commit()
sys.exit(0 if n == 1 else "age.sh: %d rows of %s changed, want 1" % (n, sys.argv[2]))
PY
