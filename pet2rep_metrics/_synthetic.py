"""Synthetic whole-body FDG PET/CT reports with known labels, for benchmarks and tests.

The sentences are written for this project (not patient data). ``zh_report(seed)`` gives a
PET2Rep-length Chinese report (findings + impression, ~1000 characters) and its labels.
"""

from __future__ import annotations

import random

from .labels import normalize_states

# organ id -> (subject, CT description) in the style of a Chinese whole-body report
_ZH_ORGANS: list[tuple[str, str, str]] = [
    (
        "brain",
        "脑实质",
        "脑实质密度均匀，灰白质分界清楚，脑室系统无扩大，脑沟脑裂未见增宽，中线结构居中",
    ),
    ("eye", "双侧眼球", "双侧眼球形态对称，眼环完整，球后脂肪间隙清晰"),
    ("paranasal_sinus", "双侧上颌窦", "双侧上颌窦黏膜无明显增厚，窦腔含气良好"),
    ("nasopharynx", "鼻咽部", "鼻咽顶后壁软组织无增厚，双侧咽隐窝对称"),
    ("salivary_gland", "双侧腮腺", "双侧腮腺及颌下腺大小、密度未见异常"),
    ("thyroid", "甲状腺", "甲状腺两叶大小对称，密度均匀"),
    ("neck_lymph_node", "双侧颈部淋巴结", "双侧颈部及锁骨上区可见数枚小淋巴结，短径小于1.0cm"),
    (
        "lung",
        "双肺",
        "双肺纹理清晰，右肺上叶尖段见一实性结节，大小约1.2cm×1.0cm，边缘可见分叶及短毛刺，邻近胸膜牵拉，余肺野未见实变",
    ),
    ("mediastinal_lymph_node", "纵隔淋巴结", "纵隔内及双侧肺门区可见数枚淋巴结，部分伴钙化"),
    ("esophagus", "食管", "食管走行自然，管壁未见明显增厚"),
    (
        "liver",
        "肝脏",
        "肝脏大小形态正常，肝缘光整，肝实质密度均匀，肝内外胆管未见扩张，门静脉主干未见增宽",
    ),
    ("gallbladder", "胆囊", "胆囊不大，壁不厚，腔内未见阳性结石影"),
    ("pancreas", "胰腺", "胰腺形态自然，实质密度均匀，胰管未见扩张"),
    ("spleen", "脾脏", "脾脏体积不大，密度均匀"),
    ("kidney", "双肾", "双肾大小形态正常，实质内未见明显异常密度影，肾盂肾盏及输尿管无扩张"),
    ("adrenal", "双侧肾上腺", "双侧肾上腺形态规则，未见结节影"),
    ("stomach", "胃", "胃充盈欠佳，胃壁未见明显增厚，胃周脂肪间隙清晰"),
    ("intestine", "肠道", "肠道走行自然，肠壁未见明显增厚，肠腔未见扩张"),
    (
        "abdominal_lymph_node",
        "腹膜后淋巴结",
        "腹膜后及肠系膜区可见多发小淋巴结，较大者短径约0.8cm，腹盆腔未见积液",
    ),
    ("prostate", "前列腺", "前列腺大小正常，内见点状钙化"),
    (
        "bone",
        "全身骨骼",
        "脊柱生理曲度存在，序列如常，部分椎体边缘骨质增生，椎间隙未见狭窄，诸骨骨质结构完整",
    ),
]

_ZH_STATE_PHRASES: dict[str, list[str]] = {
    "normal": [
        "FDG摄取未见异常",
        "FDG摄取未见明显增高",
        "放射性分布未见异常",
        "未见异常FDG摄取",
        "FDG呈生理性摄取",
    ],
    "increased": [
        "FDG摄取增高，SUVmax约{suv}",
        "可见局灶性放射性浓聚，SUVmax为{suv}",
        "FDG代谢异常增高，SUVmax {suv}",
        "见高代谢灶，SUVmax约{suv}",
    ],
    "decreased": ["FDG摄取较周围本底减低", "放射性分布稀疏", "FDG代谢减低"],
    "absent": ["FDG摄取缺失", "呈放射性缺损区"],
}

_ZH_IMPRESSION = {
    "increased": "{subject}FDG代谢增高，考虑恶性病变可能，建议结合临床进一步检查",
    "decreased": "{subject}FDG代谢减低，考虑良性病变可能",
    "absent": "{subject}放射性缺损，考虑囊性病变",
}


def zh_report(seed: int, abnormal_rate: float = 0.2) -> tuple[str, dict[str, list[str]]]:
    """A synthetic Chinese whole-body FDG PET/CT report and its labels (by the guide)."""
    rng = random.Random(seed)
    findings: list[str] = []
    impressions: list[str] = []
    labels: dict[str, set[str]] = {}
    for organ, subject, ct in _ZH_ORGANS:
        if rng.random() < abnormal_rate:
            state = rng.choice(["increased", "increased", "increased", "decreased", "absent"])
        else:
            state = "normal"
        phrase = rng.choice(_ZH_STATE_PHRASES[state]).format(suv=round(rng.uniform(2.5, 15.0), 1))
        findings.append(f"{ct}，{phrase}。")
        labels.setdefault(organ, set()).add(state)
        if state != "normal":
            impressions.append(_ZH_IMPRESSION[state].format(subject=subject))
    if not impressions:
        impressions.append("全身PET/CT显像未见明显异常高代谢病灶")
    text = (
        "影像所见：\n禁食状态下静脉注射18F-FDG，静息约60分钟后行全身PET/CT断层显像。\n"
        + "".join(findings)
        + "\n影像诊断：\n"
        + "".join(f"{i}.{line}。" for i, line in enumerate(impressions, start=1))
    )
    return text, {organ: normalize_states(states) for organ, states in sorted(labels.items())}
