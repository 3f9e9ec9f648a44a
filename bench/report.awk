# report.awk: turns bench/run's raw lines (build-bench/bench-raw.tsv) into the markdown report.
# Raw lines, tab-separated:
#   U module kind P mode note round "key=value ..."
#                                              one round of a timed case (pam_bench's output)
#   U module kind cost what logins value       an instruction or system call count
#   U tool enroll enroll median_us             a non-interactive enrollment
BEGIN {
  FS = "\t"
  n_order = split("permit totp totpldap totpldaptls ga gaplain oath", order, " ")
  label["permit"] = "pam_permit (floor)"
  label["totp"] = "pam_totp"
  label["totpldap"] = "pam_totp, directory store (ldap://, no TLS)"
  label["totpldaptls"] = "pam_totp, directory store (StartTLS)"
  label["ga"] = "google-authenticator, default options"
  label["gaplain"] = "google-authenticator, no options"
  label["oath"] = "pam_oath"
  label["floor"] = "floor: read file + 3 HMAC-SHA1"
  n_sum = split("logins ok auth_err other steps_accepted_twice steps_accepted_by_none", sum_keys, " ")
}

function kv(text, key, parts, i, n, pair) {
  n = split(text, parts, " ")
  for (i = 1; i <= n; i++) {
    split(parts[i], pair, "=")
    if (pair[1] == key) return substr(parts[i], length(key) + 2)
  }
  return ""
}

# An integer with thousands separators (mawk has no %' flag).
function fmt_int(x, s, out) {
  s = sprintf("%d", x + 0.5)
  out = ""
  while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
  return s out
}
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a" }

$4 == "cost" {
  id = $1 SUBSEP $2 SUBSEP $3 SUBSEP $5
  if ($6 == 1) first[id] = $7; else { longrun[id] = $7; longn[id] = $6 - 1 }
  cost_u[$1] = 1
  next
}
$3 == "enroll" { enroll[$2] = $5; next }
{
  key = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4 SUBSEP $5
  if (!(key in rounds)) keys[++n_keys] = key
  r = ++rounds[key]
  us_r[key, r] = kv($8, "us_per_login") + 0
  rate_r[key, r] = kv($8, "logins_per_s") + 0
  for (i = 1; i <= n_sum; i++) total[key, sum_keys[i]] += kv($8, sum_keys[i])
  if (kv($8, "maxrss_kb") + 0 > maxrss[key]) maxrss[key] = kv($8, "maxrss_kb") + 0
  if (kv($8, "other_rc") != "0") other_rc[key] = kv($8, "other_rc")
  if (kv($8, "state") != "" && !state_ok(kv($8, "state"))) bad_state[key] = kv($8, "state")
  last_state[key] = kv($8, "state")
  note[key] = $6
  sizes[$1] = 1
}

# check-state's "valid,sequence=..,failures=..,last_step=S,expected_last_step=S" with equal S.
function state_ok(text, parts, n, i, pair, got, want) {
  n = split(text, parts, ",")
  for (i = 2; i <= n; i++) {
    split(parts[i], pair, "=")
    if (pair[1] == "last_step") got = pair[2]
    if (pair[1] == "expected_last_step") want = pair[2]
  }
  return parts[1] == "valid" && got != "" && got == want
}

# The median of v[key, 1..n].
function median(v, key, n, a, i, j, t) {
  for (i = 1; i <= n; i++) a[i] = v[key, i]
  for (i = 2; i <= n; i++) {
    t = a[i]
    for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
    a[j + 1] = t
  }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

function finish(i, key) {
  for (i = 1; i <= n_keys; i++) {
    key = keys[i]
    us[key] = median(us_r, key, rounds[key])
    rate[key] = median(rate_r, key, rounds[key])
  }
}

# µs above the floor for a case and its ratio to google-authenticator default's.
function above(u, m, k, p, mode) { return us[u, m, k, p, mode] - us[u, "permit", "right", p, "distinct"] }

# The state check of a "same" case: pam_totp's state file, or user 0's watermark
# (pamTotpUsedStep) in the directory.
function check(key, mode, kind, logins, ok, text, what) {
  logins = total[key, "logins"]; ok = total[key, "ok"]
  if (mode == "same") {
    text = sprintf("accepted %d of %d; steps accepted twice: %d, by none: %d", ok, logins,
                   total[key, "steps_accepted_twice"], total[key, "steps_accepted_by_none"])
    what = key ~ ("^[^" SUBSEP "]*" SUBSEP "totpldap") ? "watermark in the directory" : "state file"
    if (key in bad_state) text = text "; **" what " wrong**: " bad_state[key]
    else if (last_state[key] != "") text = text "; " what " valid, last step as expected"
    return text
  }
  if (kind == "right") text = sprintf("refused %d of %d", logins - ok, logins)
  else text = sprintf("accepted %d of %d", ok, logins)
  if (total[key, "other"] > 0) text = text sprintf(" (%d other, PAM code %s)", total[key, "other"], other_rc[key])
  return text
}

# Rank of a timed case in the table: by U, then path, then P, then module.
function rank(key, f, ki, pi, mi, i) {
  split(key, f, SUBSEP)
  ki = f[3] == "right" ? 0 : f[3] == "wrong" ? 1 : 2
  pi = f[5] == "same" ? 2 : f[4] - 1
  for (i = 1; i <= n_order; i++) if (order[i] == f[2]) mi = i
  return ((f[1] * 10 + ki) * 10 + pi) * 10 + mi
}

function sort_keys(i, j, t) {
  for (i = 2; i <= n_keys; i++) {
    t = keys[i]
    for (j = i - 1; j >= 1 && rank(keys[j]) > rank(t); j--) keys[j + 1] = keys[j]
    keys[j + 1] = t
  }
}

# The sizes in increasing order, in sorted_u[1..n_u].
function sort_sizes(u, i, j, t) {
  n_u = 0
  for (u in sizes) sorted_u[++n_u] = u
  for (i = 2; i <= n_u; i++) {
    t = sorted_u[i]
    for (j = i - 1; j >= 1 && sorted_u[j] + 0 > t + 0; j--) sorted_u[j + 1] = sorted_u[j]
    sorted_u[j + 1] = t
  }
}

# The "path" and "P" columns of a case.
function path_label(k) { return k == "unknown" ? "unknown user" : k " code" }
function procs_label(p, mode) { return mode == "same" ? p " on one user" : p }

function timed_table(i, j, key, f, u, m, k, p, mode, ga, a, gk) {
  sort_keys()
  print "### Logins through libpam (medians over the rounds)"
  print ""
  print "| U | path | P | module | logins/s | µs/login | µs above floor | above floor ÷ GA default's | check | peak RSS |"
  print "|---:|---|---|---|---:|---:|---:|---:|---|---:|"
  for (i = 1; i <= n_keys; i++) {
    split(keys[i], f, SUBSEP); u = f[1]; m = f[2]; k = f[3]; p = f[4]; mode = f[5]
    key = keys[i]
    a = above(u, m, k, p, mode)
    gk = k == "unknown" ? "wrong" : k
    ga = (u SUBSEP "ga" SUBSEP gk SUBSEP p SUBSEP mode) in us ? above(u, "ga", gk, p, mode) : 0
    printf "| %s | %s | %s | %s%s | %s | %s | %s | %s | %s | %.1f MB |\n", fmt_int(u),
           path_label(k), procs_label(p, mode),
           label[m], note[key] == "few" ? " (3 rounds × 5 logins only)" : "", fmt_int(rate[key]),
           fmt_int(us[key]), m == "permit" ? "—" : fmt_int(a), m == "permit" ? "—" : ratio(a, ga),
           check(key, mode, k), maxrss[key] / 1024
  }
  print ""
}

# The directory store's rows (issue #8) against the file store's and the floor's, same U, path,
# P and mode.
function ldap_table(i, f, key, fk, pk, n) {
  for (i = 1; i <= n_keys; i++) {
    split(keys[i], f, SUBSEP)
    if (f[2] != "totpldap" && f[2] != "totpldaptls") continue
    if (n++ == 0) {
      print "### Directory store on loopback against the file store (issue #8)"
      print ""
      print "Same U, path and P; ratios of µs per login (medians over the rounds)."
      print ""
      print "| U | path | P | store | logins/s | µs/login | µs above the file store | ÷ file store | ÷ pam_permit | check |"
      print "|---:|---|---|---|---:|---:|---:|---:|---:|---|"
    }
    key = keys[i]
    fk = f[1] SUBSEP "totp" SUBSEP f[3] SUBSEP f[4] SUBSEP f[5]
    pk = f[1] SUBSEP "permit" SUBSEP "right" SUBSEP f[4] SUBSEP "distinct"
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", fmt_int(f[1]),
           path_label(f[3]), procs_label(f[4], f[5]),
           f[2] == "totpldap" ? "directory, ldap:// (no TLS)" : "directory, StartTLS",
           fmt_int(rate[key]), fmt_int(us[key]), (fk in us) ? fmt_int(us[key] - us[fk]) : "n/a",
           (fk in us) ? ratio(us[key], us[fk]) : "n/a", (pk in us) ? ratio(us[key], us[pk]) : "n/a",
           check(key, f[5], f[3])
  }
  if (n > 0) print ""
}

function steady(id) { return (longrun[id] - first[id]) / longn[id] }

function cost_table(u, i, m, k, id) {
  for (u in cost_u) break
  print "### Instructions and system calls per login (U=" fmt_int(u) ", P=1)"
  print ""
  print "Steady = (count for 1+N logins − count for 1 login) / N; first = a process that logs in once."
  print ""
  print "| module | path | Ir/login, whole process (steady) | Ir, whole process, first login | Ir/login in pam_sm_authenticate (steady) | Ir in first pam_sm_authenticate | syscalls/login (steady) | syscalls, first-login process |"
  print "|---|---|---:|---:|---:|---:|---:|---:|"
  for (i = 0; i <= n_order; i++) {
    m = i == 0 ? "floor" : order[i]
    split("right wrong unknown", kinds, " ")
    for (j = 1; j <= 3; j++) {
      k = kinds[j]
      id = u SUBSEP m SUBSEP k
      if (!((id SUBSEP "module") in first)) continue
      if (m == "floor") {
        printf "| %s | — | — | — | %s | %s | — | — |\n", label[m], fmt_int(steady(id SUBSEP "module")),
               fmt_int(first[id, "module"])
        continue
      }
      printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", label[m], k == "unknown" ? "unknown user" : k " code",
             fmt_int(steady(id SUBSEP "whole")), fmt_int(first[id, "whole"]),
             fmt_int(steady(id SUBSEP "module")), fmt_int(first[id, "module"]),
             sprintf("%.1f", steady(id SUBSEP "syscalls")), fmt_int(first[id, "syscalls"])
    }
  }
  print ""
  if ((u SUBSEP "totpldap" SUBSEP "right" SUBSEP "whole") in first) {
    print "The directory store's counts are the login process's only (libldap, and GnuTLS for StartTLS, included); slapd's work is not in them."
    print ""
  }
  cost_u_chosen = u
}

function verdict(ok) { return ok ? "met" : "**not met**" }

function targets(i, u, lo, hi, a, g, r, r2, f1, f2, id, p1, p2, refused) {
  print "### Targets (issue #7)"
  print ""
  print "| target | measured | |"
  print "|---|---|---|"
  sort_sizes()
  lo = sorted_u[1]; hi = sorted_u[n_u]
  for (i = 1; i <= n_u; i++) {
    u = sorted_u[i]
    a = above(u, "totp", "right", 1, "distinct"); g = above(u, "ga", "right", 1, "distinct")
    r = g > 0 ? a / g : 99
    printf "| success path, µs above floor ≤ 1/3 of GA default's (U=%s, P=1) | %s µs vs %s µs: %.2f | %s |\n",
           fmt_int(u), fmt_int(a), fmt_int(g), r, verdict(r <= 1 / 3)
  }
  u = cost_u_chosen
  id = u SUBSEP "totp" SUBSEP "right" SUBSEP "module"
  f1 = steady(id); f2 = steady(u SUBSEP "floor" SUBSEP "right" SUBSEP "module")
  if (f2 > 0) printf "| module-only instructions ≤ 2× the floor | %s vs %s: %.2f× | %s |\n", fmt_int(f1), fmt_int(f2), f1 / f2, verdict(f1 <= 2 * f2)
  f1 = steady(u SUBSEP "totp" SUBSEP "wrong" SUBSEP "module"); f2 = steady(u SUBSEP "ga" SUBSEP "wrong" SUBSEP "module")
  if (f2 > 0) printf "| wrong-code instructions ≤ 1/20 of GA default's (module only) | %s vs %s: 1/%.0f | %s |\n", fmt_int(f1), fmt_int(f2), f2 / f1, verdict(f1 * 20 <= f2)
  if (hi != lo) {
    r = us[hi, "totp", "right", 1, "distinct"] / us[lo, "totp", "right", 1, "distinct"]
    printf "| flat in users: µs/login at U=%s within 10 %% of U=%s | %.2f× | %s |\n", fmt_int(hi), fmt_int(lo), r, verdict(r <= 1.10 && r >= 0.90)
  }
  for (i = 1; i <= n_u; i++) {
    u = sorted_u[i]
    p1 = rate[u, "totp", "right", 1, "distinct"]; p2 = rate[u, "totp", "right", 2, "distinct"]
    refused = total[u, "totp", "right", 2, "distinct", "logins"] - total[u, "totp", "right", 2, "distinct", "ok"]
    f1 = rate[u, "permit", "right", 1, "distinct"]; f2 = rate[u, "permit", "right", 2, "distinct"]
    printf "| P=2 distinct ≥ 1.8× P=1 logins/s, no valid code refused (U=%s) | %.2f×, %d refused (pam_permit itself: %.2f×) | %s |\n", fmt_int(u), p2 / p1, refused, (f1 > 0 ? f2 / f1 : 0), verdict(p2 >= 1.8 * p1 && refused == 0)
  }
  for (i = 1; i <= n_u; i++) {
    u = sorted_u[i]
    r = us[u, "totp", "unknown", 1, "distinct"] / us[u, "totp", "wrong", 1, "distinct"]
    printf "| unknown user costs about a wrong code (U=%s; µs ratio unknown/wrong) | %.2f | %s |\n", fmt_int(u), r, verdict(r >= 0.8 && r <= 1.25)
  }
  u = cost_u_chosen
  f1 = steady(u SUBSEP "totp" SUBSEP "unknown" SUBSEP "module"); f2 = steady(u SUBSEP "totp" SUBSEP "wrong" SUBSEP "module")
  if (f2 > 0) printf "| … in instructions (module only, unknown/wrong) | %s vs %s: %.2f | |\n", fmt_int(f1), fmt_int(f2), f1 / f2
  print ""
}

END {
  finish()
  timed_table()
  ldap_table()
  cost_table()
  targets()
  if ("totpctl" in enroll) {
    print "### Enrollment without a terminal (median of 11)"
    print ""
    print "| tool | ms |"
    print "|---|---:|"
    printf "| totpctl --user U enroll --no-confirm --json --qr none | %.1f |\n", enroll["totpctl"] / 1000
    printf "| google-authenticator -t -d -f -r 3 -R 30 -w 3 -Q NONE -q -C | %.1f |\n", enroll["google-authenticator"] / 1000
  }
}
