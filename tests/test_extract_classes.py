"""Organ x uptake labels for the failure classes seen on unseen reports (issue: the extractor
must read reports it has never seen). Each class is a mechanism the annotation guide defines
(docs/ANNOTATION.md), written in several phrasings, Chinese and English. Every text here was
written for these tests; none is taken from a gold file.

The probe reports in tests/data/written_probes.jsonl (our own writing in the styles of case
reports, figure legends, forum posts and structured reports) are checked report by report too;
tests/data/written_heldout.jsonl is only measured (scripts/eval_gold.py), never asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

I, D, A, N = "increased", "decreased", "absent", "normal"  # noqa: E741

CLASS_CASES = {
    "structure": [
        (
            "EXAMINATION: PET/CT skull base to thigh\nREASON FOR EXAM: staging of rectal cancer\nPROCEDURE: 9.8 mCi FDG, 65 minute uptake\nREPORT:\n1\nThe rectal mass is intensely hypermetabolic, SUVmax 15.\n2\nNo hypermetabolic pelvic nodes.\n3\nPhysiologic uptake in the liver and spleen.",
            {"intestine": [I], "abdominal_lymph_node": [N], "liver": [N], "spleen": [N]},
        ),
        (
            "History: 59-year-old smoker with a lung nodule.\nThere is a 2.1 cm nodule in the left lower lobe with moderate FDG uptake (SUVmax 4.4). No hypermetabolic mediastinal nodes.",
            {"lung": [I], "mediastinal_lymph_node": [N]},
        ),
        (
            "Technique: standard whole-body acquisition after 60 minutes.\nDiscussion:\nThe thyroid shows diffusely increased uptake. The adrenal glands have normal uptake.",
            {"thyroid": [I], "adrenal": [N]},
        ),
        (
            "Clinical history: melanoma of the back\nText of report\n(1) Hypermetabolic left axillary lymph node, SUVmax 6.\n(2) No abnormal uptake in the liver.",
            {"axillary_lymph_node": [I], "liver": [N]},
        ),
        (
            "临床资料：女，48岁，宫颈癌放化疗后。\n检查方法：空腹血糖5.0mmol/L，注射18F-FDG后60分钟显像。\n头颈部：脑实质FDG分布未见异常。\n胸部：两肺未见高代谢结节。\n腹盆部：宫颈局部FDG代谢增高，SUVmax 6.1。",
            {"brain": [N], "lung": [N], "uterus_ovary": [I]},
        ),
        (
            "病史：肺癌术后复查\n检查技术：常规全身显像，CT用于衰减校正。\n报告内容：\n肝脏FDG摄取未见异常。纵隔见肿大淋巴结，FDG代谢增高。",
            {"liver": [N], "mediastinal_lymph_node": [I]},
        ),
        (
            "检查目的：评估淋巴瘤疗效\n脾脏FDG摄取弥漫增高，骨髓FDG摄取未见异常。",
            {"spleen": [I], "bone": [N]},
        ),
    ],
    "run_on": [
        (
            "脑实质FDG分布均匀 甲状腺FDG摄取未见异常 双肺见多发小结节FDG代谢未见增高 肝脏见低密度肿块FDG代谢增高SUVmax 6.8 脾脏未见异常代谢",
            {"brain": [N], "thyroid": [N], "lung": [N], "liver": [I], "spleen": [N]},
        ),
        (
            "鼻咽部FDG摄取未见异常口咽部FDG摄取对称性增高考虑生理性甲状腺右叶见高代谢结节",
            {"nasopharynx": [N], "oropharynx": [N], "thyroid": [I]},
        ),
        (
            "胰腺体部见低密度肿块，FDG代谢明显增高，脾脏大小正常，FDG分布均匀，双肾FDG分布未见异常，胃壁FDG代谢未见增高",
            {"pancreas": [I], "spleen": [N], "kidney": [N], "stomach": [N]},
        ),
        (
            "胃壁FDG摄取未见增高，肝、胆囊形态如常，FDG分布均匀，双侧肾上腺未见增粗",
            {"stomach": [N], "liver": [N], "gallbladder": [N]},
        ),
        (
            "鼻咽壁未见增厚，咽隐窝对称，FDG摄取未见异常，甲状腺密度均匀，FDG摄取对称",
            {"nasopharynx": [N], "thyroid": [N]},
        ),
        (
            "Liver: normal FDG distribution\nSpleen: mildly increased uptake\nKidneys: physiologic excretion",
            {"liver": [N], "spleen": [I], "kidney": [N]},
        ),
    ],
    "shared_list": [
        (
            "双侧颈部、锁骨上，纵隔及双肺门，腹膜后见多发肿大淋巴结，FDG代谢均增高。",
            {"neck_lymph_node": [I], "mediastinal_lymph_node": [I], "abdominal_lymph_node": [I]},
        ),
        (
            "右肺中叶见一肿块；右侧肺门见肿大淋巴结；L2椎体见骨质破坏。以上病变FDG摄取均明显增高。",
            {"lung": [I], "mediastinal_lymph_node": [I], "bone": [I]},
        ),
        (
            "肝内多发低密度灶，胰尾部软组织肿块，左侧肾上腺结节，所有病灶均呈FDG高代谢。",
            {"liver": [I], "pancreas": [I], "adrenal": [I]},
        ),
        (
            "淋巴结：双侧颈部、腋窝及腹股沟区多发，FDG代谢增高，SUVmax 7.0。",
            {"neck_lymph_node": [I], "axillary_lymph_node": [I], "abdominal_lymph_node": [I]},
        ),
        (
            "The right lower lobe mass, ipsilateral hilar nodes and a lytic lesion in the T6 vertebra all show marked FDG avidity.",
            {"lung": [I], "mediastinal_lymph_node": [I], "bone": [I]},
        ),
        (
            "Hypermetabolic lymphadenopathy above and below the diaphragm, SUVmax 12.",
            {"abdominal_lymph_node": [I]},
        ),
        (
            "Lymph nodes: bilateral cervical, mediastinal and mesenteric stations, all FDG-avid.",
            {"neck_lymph_node": [I], "mediastinal_lymph_node": [I], "abdominal_lymph_node": [I]},
        ),
        (
            "Lesions were identified in the liver, the spleen and the left adrenal gland. The above lesions were all hypermetabolic.",
            {"liver": [I], "spleen": [I], "adrenal": [I]},
        ),
    ],
    "landmark": [
        ("腹主动脉旁见多发肿大淋巴结，FDG代谢增高。", {"abdominal_lymph_node": [I]}),
        ("肝门水平见一软组织肿块，FDG代谢增高，SUVmax 7.7。", {}),
        ("颈部皮下见一结节，FDG摄取增高。", {"soft_tissue": [I]}),
        ("胰头旁占位，FDG代谢增高。", {}),
        ("A hypermetabolic lesion next to the gallbladder fundus, SUVmax 5.", {}),
        ("An FDG-avid node at the level of the aortic bifurcation.", {"abdominal_lymph_node": [I]}),
        ("A hypermetabolic mass arising from the left kidney, SUVmax 9.", {"kidney": [I]}),
        ("腋窝区皮肤见片状FDG摄取增高，考虑炎性。", {"soft_tissue": [I]}),
    ],
    "reference": [
        ("脾脏FDG摄取高于肝脏。", {"spleen": [I]}),
        ("骨髓FDG摄取弥漫性增高，低于肝脏。", {"bone": [I]}),
        ("骨髓FDG摄取低于肝脏。", {"bone": [N]}),
        ("另见脾脏摄取与肝脏相当。", {"spleen": [I]}),
        ("肺内结节FDG摄取低于纵隔血池。", {"lung": [N]}),
        (
            "The pancreatic head mass shows uptake higher than the normal liver (SUVmax 5.4).",
            {"pancreas": [I]},
        ),
        ("The spleen shows uptake greater than the liver.", {"spleen": [I]}),
        ("Marrow uptake is below the liver.", {"bone": [N]}),
        (
            "A residual mediastinal node with uptake less than mediastinal blood pool.",
            {"mediastinal_lymph_node": [N]},
        ),
        ("Liver SUVmean 2.0 for reference.", {}),
        (
            "The axillary node shows uptake similar to the liver (Deauville 3).",
            {"axillary_lymph_node": [I]},
        ),
    ],
    "distribution": [
        (
            "Expected physiologic distribution of radiotracer in the brain, myocardium, kidneys and bladder.",
            {"brain": [N], "heart": [N], "kidney": [N], "bladder": [N]},
        ),
        ("双肾及膀胱内见大量显像剂滞留，为生理性排泄。", {"kidney": [N], "bladder": [N]}),
        (
            "Normal physiologic distribution of tracer, including intense activity in the brain and the urinary bladder.",
            {"brain": [N], "bladder": [N]},
        ),
        (
            "大脑皮质FDG摄取较高，为生理性分布；膀胱内见大量显像剂浓聚。",
            {"brain": [N], "bladder": [N]},
        ),
        ("The myocardium is globally hypometabolic.", {"heart": [D]}),
        (
            "Diffusely decreased cortical uptake throughout the cerebrum due to hyperglycaemia.",
            {"brain": [D]},
        ),
        ("Myocardial activity is suppressed after dietary preparation.", {"heart": [N]}),
        ("心肌FDG摄取受抑制，为低碳水化合物饮食准备所致。", {"heart": [N]}),
    ],
    "back_reference": [
        (
            "There is a 3 cm mass in the right adrenal gland. This lesion demonstrates intense uptake.",
            {"adrenal": [I]},
        ),
        ("左侧髂骨见溶骨性骨质破坏。该病灶FDG代谢明显增高。", {"bone": [I]}),
        (
            "There is a 2 cm soft tissue nodule in the right breast. It is hypermetabolic on PET, SUVmax 4.5.",
            {"breast": [I]},
        ),
        (
            "A 1.5 cm nodule is seen in the right middle lobe. On the PET images the lesion is FDG-avid.",
            {"lung": [I]},
        ),
        (
            "A focus of increased uptake was seen on PET in the left upper abdomen. This corresponded to a 2 cm nodule in the spleen on CT.",
            {"spleen": [I]},
        ),
        (
            "右肾上极见一类圆形肿块，约3.1cm。PET显像示该病灶FDG代谢增高，SUVmax 6.0。",
            {"kidney": [I]},
        ),
        ("胃体小弯侧胃壁增厚。PET上其代谢明显增高。", {"stomach": [I]}),
    ],
    "pos_neg_lists": [
        (
            "双侧颈部Ⅳ区淋巴结FDG代谢增高，双侧颌下区淋巴结FDG摄取未见增高。",
            {"neck_lymph_node": [I]},
        ),
        (
            "No FDG-avid axillary nodes on the left; a 1 cm right axillary node is hypermetabolic.",
            {"axillary_lymph_node": [I]},
        ),
        (
            "左侧颈部及左锁骨上淋巴结FDG代谢增高；右侧颈部淋巴结摄取未见异常。",
            {"neck_lymph_node": [I]},
        ),
        ("右侧腋窝淋巴结FDG代谢未见增高。", {"axillary_lymph_node": [N]}),
        (
            "Hypermetabolic left para-aortic nodes. Right iliac nodes are not FDG-avid.",
            {"abdominal_lymph_node": [I]},
        ),
        (
            "Avid right hilar node; no FDG-avid left hilar or subcarinal nodes.",
            {"mediastinal_lymph_node": [I]},
        ),
    ],
    "series": [
        (
            "回顾性分析15例肾上腺淋巴瘤，所有病例肾上腺病灶均呈FDG高摄取，其中6例伴腹膜后淋巴结受累。",
            {"adrenal": [I]},
        ),
        (
            "本组12例患者中，10例肝脏病灶及8例腹膜后淋巴结受累，所有受累部位均表现为FDG高摄取。",
            {"liver": [I], "abdominal_lymph_node": [I]},
        ),
        (
            "Of the 30 patients, 18 had bone involvement and 12 had splenic involvement; all involved sites showed increased FDG uptake.",
            {"bone": [I], "spleen": [I]},
        ),
        (
            "Among the eight cases, lesions involved the stomach in five and the colon in three, and all lesions were FDG-avid.",
            {"stomach": [I], "intestine": [I]},
        ),
    ],
    "normal_vocab": [
        ("双肺FDG分布未见异常。", {"lung": [N]}),
        ("肝脏FDG分布均匀。", {"liver": [N]}),
        ("脾脏示踪剂分布未见异常。", {"spleen": [N]}),
        ("双肾显像剂分布如常。", {"kidney": [N]}),
        ("胰腺代谢正常。", {"pancreas": [N]}),
        ("甲状腺摄取不高。", {"thyroid": [N]}),
        ("The pancreas shows no abnormal FDG activity.", {"pancreas": [N]}),
        ("Spleen: normal size and metabolism.", {"spleen": [N]}),
    ],
    "removed": [
        ("胆囊未见显示，考虑术后缺如。", {"gallbladder": [A]}),
        ("右肾切除术后，右肾区未见肾脏结构。", {"kidney": [A]}),
        ("Status post splenectomy.", {}),
        ("The spleen is surgically absent.", {"spleen": [A]}),
        ("胆囊切除术后。", {}),
        ("Absent left kidney, with physiologic activity in the right kidney.", {"kidney": [A]}),
        ("The uterus has been removed.", {"uterus_ovary": [A]}),
        ("右乳术后缺如。", {"breast": [A]}),
    ],
}


PROBES = Path(__file__).parent / "data" / "written_probes.jsonl"


def _probe_rows() -> list[dict]:
    return [json.loads(line) for line in PROBES.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(text, expected, id=f"{group}-{i}")
        for group, cases in CLASS_CASES.items()
        for i, (text, expected) in enumerate(cases)
    ],
)
def test_failure_class(extractor, text, expected):
    assert extractor(text).labels == {organ: sorted(s) for organ, s in expected.items()}


@pytest.mark.parametrize("row", _probe_rows(), ids=lambda row: row["id"])
def test_written_probe(extractor, row):
    assert extractor(row["text"]).labels == row["labels"]
