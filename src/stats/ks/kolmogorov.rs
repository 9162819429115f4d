//! The asymptotic p-value: `kstwo.sf(D, n)`, the two-sided one-sample Kolmogorov distribution
//! (scipy `_ksstats._kolmogn`, after Simard & L'Ecuyer 2011): Ruben–Gambino at the ends, the
//! Birnbaum–Tingey Smirnov sum in the tail, Durbin–Marsaglia–Tsang–Wang matrix powers, Pomeranz
//! or Pelz–Good elsewhere. [`super::ks_sorted`] uses it when the exact path is not taken.

/// `kstwo.sf(x, n)`: P(D_n > x) for the two-sided one-sample statistic (scipy `_kolmogn`
/// with `cdf=False`; Simard & L'Ecuyer 2011's choice of method by region).
pub(crate) fn kstwo_sf(x: f64, n: f64) -> f64 {
    if n.is_nan() || n < 1.0 || x.is_nan() {
        return f64::NAN;
    }
    let ni = n as u64;
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let t = n * x;
    if t <= 1.0 {
        // Ruben–Gambino: P(D_n <= x) = n!/n^n (2t − 1)^n for 1/2n <= x <= 1/n.
        if t <= 0.5 {
            return 1.0;
        }
        let cdf = if ni <= 140 {
            let mut prod = 1.0;
            for i in 1..=ni {
                prod *= i as f64 * (1.0 / n) * (2.0 * t - 1.0);
            }
            prod
        } else {
            (log_nfactorial_div_n_pow_n(n) + n * (2.0 * t - 1.0).ln()).exp()
        };
        return clip(1.0 - cdf);
    }
    if t >= n - 1.0 {
        return clip(2.0 * (1.0 - x).powf(n));
    }
    if x >= 0.5 {
        return clip(2.0 * smirnov_sf(ni, x));
    }
    let nxsquared = t * x;
    if ni <= 140 {
        let cdf = if nxsquared <= 0.754693 {
            kolmogn_dmtw(ni, x)
        } else if nxsquared <= 4.0 {
            kolmogn_pomeranz(ni, x)
        } else {
            return clip(2.0 * smirnov_sf(ni, x));
        };
        return clip(1.0 - clip(cdf));
    }
    if nxsquared >= 370.0 {
        return 0.0;
    }
    if nxsquared >= 2.2 {
        return clip(2.0 * smirnov_sf(ni, x));
    }
    let cdf = if nxsquared >= 18.0 {
        1.0
    } else if ni <= 100_000 && n * x.powf(1.5) <= 1.4 {
        kolmogn_dmtw(ni, x)
    } else {
        kolmogn_pelz_good(n, x)
    };
    clip(1.0 - clip(cdf))
}

fn clip(p: f64) -> f64 {
    p.clamp(0.0, 1.0)
}

/// log(n! / n^n) by Stirling's series with n·log(n) removed (scipy
/// `_log_nfactorial_div_n_pow_n`; coefficients B_{2j} / (2j(2j − 1))).
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    const STIRLING: [f64; 8] = [
        -2.955_065_359_477_124e-2,
        6.410_256_410_256_41e-3,
        -1.917_526_917_526_917_5e-3,
        8.417_508_417_508_417e-4,
        -5.952_380_952_380_952e-4,
        7.936_507_936_507_937e-4,
        -2.777_777_777_777_778e-3,
        8.333_333_333_333_333e-2,
    ];
    let rn = 1.0 / n;
    let z = rn / n;
    let mut poly = 0.0;
    for c in STIRLING {
        poly = poly * z + c;
    }
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + rn * poly
}

/// One-sided Smirnov survival function P(D+_n > x) by the Birnbaum–Tingey (1951) sum
/// Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) x (x + v/n)^{v−1} (1 − x − v/n)^{n−v}, each term in log space,
/// added with Neumaier compensation.
fn smirnov_sf(n: u64, x: f64) -> f64 {
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let vmax = (nf * (1.0 - x)).floor() as u64;
    let lx = x.ln();
    let mut log_c = 0.0f64; // log C(n, v)
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for v in 0..=vmax.min(n) {
        if v > 0 {
            log_c += ((nf - v as f64 + 1.0) / v as f64).ln();
        }
        let vf = v as f64;
        let rest = 1.0 - x - vf / nf;
        let term = if rest <= 0.0 {
            if n == v {
                // (1 − x − 1)^0 = 1
                (log_c + lx + (vf - 1.0) * (x + vf / nf).ln()).exp()
            } else {
                0.0
            }
        } else {
            (log_c + lx + (vf - 1.0) * (x + vf / nf).ln() + (nf - vf) * rest.ln()).exp()
        };
        let s = sum + term;
        if sum.abs() >= term.abs() {
            comp += (sum - s) + term;
        } else {
            comp += (term - s) + sum;
        }
        sum = s;
    }
    clip(sum + comp)
}

/// P(D_n <= d) by Durbin's matrix (Marsaglia, Tsang & Wang 2003), with the same 2^128
/// rescaling as scipy `_kolmogn_DMTW`.
fn kolmogn_dmtw(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nf = n as f64;
    let nd = nf * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut hm = vec![0.0f64; m * m];
    let mut v = vec![0.0f64; m];
    let mut w = vec![0.0f64; m];
    let mut fac = 1.0f64;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] = (1.0 - h.powi(j as i32)) * fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powi(m as i32) - 2.0 * h.powi(m as i32);
    v[m - 1] = (1.0 + tt) * fac;
    for i in 1..m {
        for r in (i - 1)..m {
            hm[r * m + i] = w[r - (i - 1)];
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }
    let e128 = 2f64.powi(128);
    let mut pw = vec![0.0f64; m * m];
    for i in 0..m {
        pw[i * m + i] = 1.0;
    }
    let mut nn = n;
    let (mut expnt, mut hexpnt) = (0i64, 0i64);
    let mut tmp = vec![0.0f64; m * m];
    while nn > 0 {
        if nn % 2 == 1 {
            matmul(&pw, &hm, &mut tmp, m);
            std::mem::swap(&mut pw, &mut tmp);
            expnt += hexpnt;
        }
        matmul(&hm, &hm, &mut tmp, m);
        std::mem::swap(&mut hm, &mut tmp);
        hexpnt *= 2;
        if hm[(k - 1) * m + (k - 1)].abs() > e128 {
            for x in hm.iter_mut() {
                *x /= e128;
            }
            hexpnt += 128;
        }
        nn /= 2;
    }
    let mut p = pw[(k - 1) * m + (k - 1)];
    for i in 1..=n {
        p = i as f64 * p / nf;
        if p.abs() < 1.0 / e128 {
            p *= e128;
            expnt -= 128;
        }
    }
    if expnt != 0 {
        p *= 2f64.powi(expnt as i32);
    }
    clip(p)
}

fn matmul(a: &[f64], b: &[f64], out: &mut [f64], m: usize) {
    for i in 0..m {
        for j in 0..m {
            let mut s = 0.0;
            for k in 0..m {
                s += a[i * m + k] * b[k * m + j];
            }
            out[i * m + j] = s;
        }
    }
}

/// P(D_n <= x) by Pomeranz (1974), as scipy `_kolmogn_Pomeranz` (two rows, Poisson-like
/// convolutions, 2^128 rescaling).
fn kolmogn_pomeranz(n: u64, x: f64) -> f64 {
    let nf = n as f64;
    let t = nf * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = i64::from(f > 0.0);
    let roundf = i64::from(f > 0.5);
    let npwrs = (2 * (ll + 1)) as usize;
    let mut gpower = vec![1.0f64; npwrs];
    let mut twogpower = vec![1.0f64; npwrs];
    let mut onem2gpower = vec![1.0f64; npwrs];
    let (g_n, two_g_n, one_m2g_n) = (g / nf, 2.0 * g / nf, (1.0 - 2.0 * g) / nf);
    for m in 1..npwrs {
        gpower[m] = gpower[m - 1] * g_n / m as f64;
        twogpower[m] = twogpower[m - 1] * two_g_n / m as f64;
        onem2gpower[m] = onem2gpower[m - 1] * one_m2g_n / m as f64;
    }
    let e128 = 2f64.powi(128);
    let n_i = n as i64;
    let j1j2 = |i: i64| -> (i64, i64) {
        let (j1, j2) = if i == 0 {
            (-ll - ceilf - 1, ll + ceilf - 1)
        } else {
            let (ip1div2, ip1mod2) = ((i + 1) / 2, (i + 1) % 2);
            if ip1mod2 == 0 {
                if ip1div2 == n_i + 1 {
                    (n_i - ll - ceilf - 1, n_i + ll + ceilf - 1)
                } else {
                    (ip1div2 - 1 - ll - roundf - 1, ip1div2 + ll - 1 + ceilf - 1)
                }
            } else {
                (ip1div2 - 1 - ll - 1, ip1div2 + ll + roundf - 1)
            }
        };
        ((j1 + 2).max(0), j2.min(n_i))
    };
    let mut v0 = vec![0.0f64; npwrs];
    let mut v1 = vec![0.0f64; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let mut expnt = 0i64;
    let (mut j1, mut _j2) = j1j2(0);
    for i in 1..(2 * n_i + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.iter_mut().for_each(|x| *x = 0.0);
        let (nj1, nj2) = j1j2(i);
        j1 = nj1;
        _j2 = nj2;
        let pwrs = if i == 1 || i == 2 * n_i + 1 {
            &gpower
        } else if i % 2 == 1 {
            &twogpower
        } else {
            &onem2gpower
        };
        let ln2 = nj2 - k1 + 1;
        if ln2 > 0 {
            // np.convolve(V0[k1 - V0s:][:ln2], pwrs[:ln2])[j1 - k1:][:j2 - j1 + 1]
            let base = k1 - v0s;
            let conv_start = nj1 - k1;
            let conv_len = (nj2 - nj1 + 1).max(0);
            for (o, slot) in v1.iter_mut().enumerate().take(conv_len as usize) {
                let idx = conv_start + o as i64;
                let mut s = 0.0;
                for q in 0..ln2 {
                    let r = idx - q;
                    if r < 0 || r >= ln2 || base + q < 0 {
                        continue;
                    }
                    let a = v0.get((base + q) as usize).copied().unwrap_or(0.0);
                    let b = pwrs.get(r as usize).copied().unwrap_or(0.0);
                    s += a * b;
                }
                *slot = s;
            }
            let mx = v1.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < mx && mx < 1.0 / e128 {
                v1.iter_mut().for_each(|x| *x *= e128);
                expnt -= 128;
            }
            v1s = v0s + nj1 - k1;
        }
    }
    let mut ans = v1.get((n_i - v1s).max(0) as usize).copied().unwrap_or(0.0);
    for m in 1..=n {
        if ans.abs() > e128 {
            ans /= e128;
            expnt += 128;
        }
        ans *= m as f64;
    }
    if expnt != 0 {
        ans *= 2f64.powi(expnt as i32);
    }
    clip(ans)
}

/// P(D_n <= x) by the Pelz–Good (1976) expansion, as scipy `_kolmogn_PelzGood`.
fn kolmogn_pelz_good(n: f64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let z = n.sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z * z * z, z.powi(4), z.powi(6));
    let qlog = -PI * PI / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let k1a = -z2;
    let k1b = pi2 / 4.0;
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut kk = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for k in (1..=maxk).rev() {
        let m = (2 * k - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qp = q.powf(8.0 * k as f64);
        let coeffs = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (c, co) in kk.iter_mut().zip(coeffs) {
            *c = *c * qp + co;
        }
    }
    let sqrt2pi = (2.0 * PI).sqrt();
    let div = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (c, dv) in kk.iter_mut().zip(div) {
        *c = *c * q * sqrt2pi / dv;
    }
    let q2 = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for k in (1..=maxk).rev() {
        let kf = k as f64;
        let ks2 = kf * kf;
        let qp = q2.powf(ks2);
        let kspi = PI * kf;
        k2extra += ks2 * qp;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
    }
    kk[2] += k2extra * pi2 * sqrt2pi / (-36.0 * z3);
    kk[3] += k3extra * pi2 * sqrt2pi / (216.0 * z6);
    let mut total = 0.0;
    for (i, c) in kk.iter().enumerate() {
        total += c / n.powf(i as f64 / 2.0);
    }
    total
}
