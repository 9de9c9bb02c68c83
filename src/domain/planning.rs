//! Purchase-plan arithmetic (docs/design.md §6): pure functions of the stock position.

/// What the plan is computed from. Quantities are in units, durations in days.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PlanInputs {
    pub on_hand: f64,
    pub daily_sales: f64,
    pub lead_time_days: f64,
    pub coverage_days: u32,
    pub safety_stock: u32,
}

/// The outcome: when to reorder and how much.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Plan {
    /// daily sales × lead time + safety stock.
    pub reorder_point: f64,
    /// ceil(daily sales × (lead time + coverage) + safety stock − on hand), never below 0.
    pub recommended_quantity: u64,
}

/// Computes the plan. Negative or non-finite inputs are treated as 0 so that a malformed
/// upstream figure can never produce a negative or absurd order.
#[must_use]
pub(crate) fn plan(inputs: &PlanInputs) -> Plan {
    let sane = |x: f64| if x.is_finite() && x > 0.0 { x } else { 0.0 };
    let daily = sane(inputs.daily_sales);
    let lead = sane(inputs.lead_time_days);
    let on_hand = sane(inputs.on_hand);
    let safety = f64::from(inputs.safety_stock);
    let reorder_point = daily * lead + safety;
    let need = daily * (lead + f64::from(inputs.coverage_days)) + safety - on_hand;
    // Round away float noise before ceil so 10.000000000000002 does not become 11.
    let need = (need * 1e6).round() / 1e6;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // need > 0 and finite
    let recommended_quantity = if need > 0.0 { need.ceil() as u64 } else { 0 };
    Plan {
        reorder_point,
        recommended_quantity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(on_hand: f64, daily: f64, lead: f64, coverage: u32, safety: u32) -> PlanInputs {
        PlanInputs {
            on_hand,
            daily_sales: daily,
            lead_time_days: lead,
            coverage_days: coverage,
            safety_stock: safety,
        }
    }

    #[test]
    fn plan_matches_the_contract_formulas() {
        // (inputs, reorder point, recommended)
        let table = [
            (inputs(0.0, 10.0, 30.0, 60, 100), 400.0, 1000),
            (inputs(250.0, 10.0, 30.0, 60, 100), 400.0, 750),
            (inputs(5000.0, 10.0, 30.0, 60, 100), 400.0, 0),
            (inputs(0.0, 2.5, 14.0, 30, 0), 35.0, 110),
            (inputs(10.0, 0.3, 10.0, 0, 0), 3.0, 0),
            (inputs(0.0, 0.3, 10.0, 1, 0), 3.0, 4),
            (inputs(0.0, 0.0, 0.0, 30, 5), 5.0, 5),
        ];
        for (i, expected_rop, expected_qty) in table {
            let p = plan(&i);
            assert!(
                (p.reorder_point - expected_rop).abs() < 1e-9,
                "{i:?} → {p:?}"
            );
            assert_eq!(p.recommended_quantity, expected_qty, "{i:?}");
        }
    }

    #[test]
    fn float_noise_does_not_round_up_a_whole_quantity() {
        // 0.1 × 100 = 10.000000000000002 in binary floating point.
        let p = plan(&inputs(0.0, 0.1, 0.0, 100, 0));
        assert_eq!(p.recommended_quantity, 10);
    }

    #[test]
    fn negative_or_nan_upstream_figures_are_treated_as_zero() {
        let p = plan(&inputs(f64::NAN, -4.0, f64::INFINITY, 30, 7));
        assert_eq!(p.reorder_point, 7.0);
        assert_eq!(p.recommended_quantity, 7);
    }
}
