import tomllib

import pytest

from clinicvalue.errors import ProfileError
from clinicvalue.profile import ClinicProfile, default_profile_toml, load_profile


def test_defaults_follow_the_articles():
    p = ClinicProfile()
    assert p.rfm.lookback_months == 0 and p.rfm.monetary == "cumulative"
    assert (p.activity.active_months, p.activity.dormant_months) == (6, 12)
    assert p.activity.kpi_active_months == 18
    assert p.churn.satisfaction_below == 80
    assert p.churn.condition_intervals["hypertension"] == [30, 60]
    assert p.churn.condition_intervals["diabetes"] == [60, 90]
    assert p.membership.three_thresholds == {"brilliant": 100000.0, "elite": 50000.0, "basic": 0.0}
    assert p.membership.points_per_return_visit == 100
    assert p.membership.redemptions == {"free_assessment": 1000, "half_price_checkup": 2000}
    i = p.interrupted
    assert (
        i.consult_only_months,
        i.chief_done_rest_planned_months,
        i.partly_done_months,
        i.all_done_months,
    ) == (1, 1, 3, 6)
    assert p.care.recalls["implant"] == [365, 730, 1095]


def test_default_toml_round_trips_to_the_defaults():
    text = default_profile_toml()
    assert ClinicProfile.from_dict(tomllib.loads(text)) == ClinicProfile()
    assert "# " in text  # commented


def test_partial_profile_keeps_other_defaults(tmp_path):
    f = tmp_path / "clinic.toml"
    f.write_text(
        '[clinic]\nname = "牙醫診所"\ncurrency = "TWD"\n[rfm]\nlookback_months = 6\n', "utf-8"
    )
    p = load_profile(f)
    assert p.clinic.name == "牙醫診所"
    assert p.rfm.lookback_months == 6
    assert p.rfm.split == "mean"


def test_ints_are_accepted_for_floats(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[clinic]\ngross_margin = 1\n")
    assert load_profile(f).clinic.gross_margin == 1.0


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[rfm]\nwindow = 6\n", r"unknown key 'rfm.window'; allowed here: .*lookback_months"),
        ("[rfm]\nwindow_months = 12\n", r"'rfm.window_months' is no longer used; .*lookback"),
        ("[nope]\nx = 1\n", r"unknown key 'nope'"),
        (
            '[rfm]\nlookback_months = "six"\n',
            r"'rfm.lookback_months' must be a whole number; got 'six'",
        ),
        (
            '[rfm]\nsplit = "mode"\n',
            r"'rfm.split' must be one of 'mean', 'median', 'score'; got 'mode'",
        ),
        ("[clinic]\ngross_margin = 1.5\n", r"gross_margin' must be in \(0, 1\]"),
        ("[churn.condition_intervals]\nhypertension = 30\n", r"must be a table of a list of"),
        ("[activity]\nactive_months = 13\n", r"must not exceed 'activity.dormant_months'"),
        ("rfm = 3\n", r"\[rfm\] must be a table"),
        ("[clinic\n", r"not valid TOML"),
    ],
)
def test_profile_errors_say_what_to_fix(tmp_path, text, match):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(ProfileError, match=match):
        load_profile(f)


def test_missing_profile_file(tmp_path):
    with pytest.raises(ProfileError, match="profile file not found"):
        load_profile(tmp_path / "none.toml")


def test_profile_must_be_utf8(tmp_path):
    f = tmp_path / "big5.toml"
    f.write_bytes('[clinic]\nname = "牙醫診所"\n'.encode("big5"))
    with pytest.raises(ProfileError, match="must be UTF-8"):
        load_profile(f)


def test_replace_by_section_key():
    p = ClinicProfile().replace(rfm__lookback_months=6, clinic__locale="en")
    assert p.rfm.lookback_months == 6 and p.clinic.locale == "en"
    assert ClinicProfile().rfm.lookback_months == 0


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[clinic]\nid = 5\n", "'clinic.id' must be text"),
        ('[clinic]\nid = ".."\n', "clinic.id = '..' contains '.'"),
        ('[clinic]\nid = "a/b"\n', "contains '/'"),
        ('[clinic]\ncurrency = "NTD"\n', "'clinic.currency' must be an ISO 4217 code"),
        ('[clinic]\ncurrency = "twd"\n', "'clinic.currency' must be an ISO 4217 code"),
        ("[rfm]\nlookback_months = -1\n", "'rfm.lookback_months' must not be negative"),
        ('[rfm]\nmonetary = "yearly"\n', "'rfm.monetary'"),
        ("[rfm]\nscore_cutoff = 7\n", "'rfm.score_cutoff' is an RFM score from 1 to 5"),
        ("[activity]\nkpi_active_months = -18\n", "must be above 0"),
        ("[churn]\nsatisfaction_below = -1.0\n", "'churn.satisfaction_below' must not be"),
        ("[churn]\nspend_decline_threshold = 50.0\n", "is a share and must be at most 1"),
        ("[care]\nrecalls = { cleaning = [0] }\n", "'care.recalls' must be above 0"),
        ("[clv]\nhorizon_months = 0\n", "'clv.horizon_months' must be above 0"),
        ("[clv]\npenalizer = nan\n", "'clv.penalizer' must be a finite number"),
        ("[economics]\nuplift_points = [0.1, 10.0]\n", "is a share and must be at most 1"),
        ('[load]\ndecimal = ";"\n', "'load.decimal' must be one of"),
        ("[load]\nsatisfaction_scale = 7\n", "'load.satisfaction_scale' must be one of"),
        ('[load.status_words]\n"已報到" = "arrived"\n', "map it to one of completed"),
        ('[privacy]\nsecret_env = "abc def"\n', "'privacy.secret_env' must be the name"),
        ("[care]\nbogus = 1\n", "unknown key 'care.bogus'"),
        ("[membership.four_spend]\nplatinum = -5.0\n", "must be above 0"),
    ],
)
def test_wrong_values_name_the_key(tmp_path, toml, message):
    path = tmp_path / "clinic.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    assert message in str(exc.value)
    assert str(path) in str(exc.value)


def test_the_default_profile_passes_its_own_checks():
    assert load_profile(None) == ClinicProfile.from_dict(ClinicProfile().to_dict())


def test_control_characters_in_shown_texts_are_refused(tmp_path):
    from clinicvalue.report.peers import check_benchmarks

    bad = tmp_path / "bad.toml"
    bad.write_text('[clinic]\nname = "North\\u0001 Dental"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"'clinic.name' holds the control character U\+0001"):
        load_profile(bad)
    bad.write_text('[clinic]\nprepared_by = "Firm\\u001b[31m"\n', encoding="utf-8")
    with pytest.raises(
        ProfileError, match=r"'clinic.prepared_by' holds the control character U\+001B"
    ):
        load_profile(bad)
    prof = ClinicProfile(
        benchmarks={"revisit_rate_90d": 0.5}, benchmark_sources={"revisit_rate_90d": "A\x07"}
    )
    with pytest.raises(ProfileError, match=r"benchmark_sources.revisit_rate_90d' holds"):
        check_benchmarks(prof)
    bad.write_text('[clinic]\nname = "North\\tDental 北區 <b>"\n', encoding="utf-8")
    assert load_profile(bad).clinic.name == "North\tDental 北區 <b>"  # a tab, markup: text
