"""Organ x uptake labels on hand-written reports, one guide rule (docs/ANNOTATION.md) per case.

Every text here was written for these tests."""

from __future__ import annotations

import pytest

I, D, A, N = "increased", "decreased", "absent", "normal"  # noqa: E741


def _sorted(labels: dict[str, list[str]]) -> dict[str, list[str]]:
    """Labels list their states sorted, as the gold files do."""
    return {organ: sorted(states) for organ, states in labels.items()}


ZH_CASES = [
    # plain states
    ("肝脏大小形态正常，FDG摄取未见异常。", {"liver": [N]}),
    ("肝右叶见一低密度肿块，FDG摄取明显增高，SUVmax约9.3。", {"liver": [I]}),
    ("肝左叶见稍低密度结节，FDG摄取较周围肝实质减低。", {"liver": [D]}),
    ("左肾见多发囊状低密度影，FDG摄取缺失。", {"kidney": [A]}),
    ("脾脏FDG呈生理性摄取。", {"spleen": [N]}),
    ("大脑皮质放射性分布均匀、对称。", {"brain": [N]}),
    # several states, normal dropped beside abnormal
    ("肝右叶见高代谢肿块，肝左叶囊肿呈放射性缺损，余肝实质FDG摄取未见异常。", {"liver": [I, A]}),
    # negation
    ("双侧颈部未见肿大淋巴结及异常FDG摄取。", {"neck_lymph_node": [N]}),
    ("胰腺未见异常放射性浓聚。", {"pancreas": [N]}),
    ("甲状腺FDG摄取未见增高。", {"thyroid": [N]}),
    ("食管壁未见增厚，FDG代谢未见异常。", {"esophagus": [N]}),
    ("治疗后复查，纵隔淋巴结异常摄取基本消失。", {"mediastinal_lymph_node": [N]}),
    # hedging keeps the state
    ("胃窦壁增厚伴FDG摄取增高，考虑胃癌可能。", {"stomach": [I]}),
    ("右肺门淋巴结FDG代谢增高，不除外转移。", {"mediastinal_lymph_node": [I]}),
    # the organ the sentence is about, not one named in passing
    ("鼻咽顶壁未见增厚，两侧腭扁桃体对称，FDG呈生理性摄取。", {"nasopharynx": [N]}),
    ("双侧肾盂肾盏未见扩张。双侧肾上腺形态自然，FDG摄取未见异常。", {"adrenal": [N]}),
    # lists distribute
    ("肝、脾、胰腺形态大小正常，FDG摄取未见异常。", {"liver": [N], "spleen": [N], "pancreas": [N]}),
    (
        "双侧锁骨上、纵隔及腹膜后见多发肿大淋巴结，FDG代谢增高，SUVmax 8.1。",
        {"neck_lymph_node": [I], "mediastinal_lymph_node": [I], "abdominal_lymph_node": [I]},
    ),
    # CT-only statements add nothing
    ("双侧眼球对称，未见明显异常。", {}),
    ("心影大小正常，主动脉壁钙化。", {}),
    ("前列腺体积增大，密度不均匀。", {}),
    # technique and history add nothing
    ("禁食6小时后静脉注射18F-FDG，血糖5.6mmol/L，静息60分钟后行全身PET/CT显像。", {}),
    # a region without nodes or a mass placed by region adds nothing
    ("右侧胸腔脊柱旁见软组织肿块，FDG摄取增高。", {}),
    ("腹膜后占位，FDG代谢增高。", {}),
    # the previous sentence's organ
    ("右肺下叶见一实性结节，边缘毛刺。FDG代谢增高，SUVmax 6.2。", {"lung": [I]}),
    # elsewhere adds nothing to organs not named
    ("全身其余部位未见异常FDG摄取。", {}),
    ("余未见明显异常。", {}),
    # latest study only
    (
        "化疗前纵隔淋巴结摄取显著增高，化疗后纵隔淋巴结未见异常摄取。",
        {"mediastinal_lymph_node": [N]},
    ),
    # group words
    ("胃肠道呈生理性摄取。", {"stomach": [N], "intestine": [N]}),
    # 相对增高 and 非特异性异常摄取 are increased
    ("右侧腮腺FDG摄取相对增高。", {"salivary_gland": [I]}),
    ("乙状结肠见非特异性异常摄取。", {"intestine": [I]}),
    # an uptake statement explained as physiological
    ("双侧颈部肌肉FDG摄取增高，考虑生理性摄取。", {"soft_tissue": [N]}),
    # template brackets are read as if removed
    ("甲状腺[形态、大小正常，密度均匀]，FDG【摄取未见异常】。", {"thyroid": [N]}),
    # traditional characters
    ("雙側腋窩見多枚腫大淋巴結，代謝異常增高。", {"axillary_lymph_node": [I]}),
    # node stations by position
    ("胰头周围见肿大淋巴结伴葡萄糖代谢增高。", {"abdominal_lymph_node": [I]}),
    ("左侧腹股沟淋巴结FDG摄取轻度增高。", {"abdominal_lymph_node": [I]}),
    # bone and marrow
    ("多个胸腰椎体及骨盆见溶骨性破坏，FDG代谢异常增高。", {"bone": [I]}),
    ("全身骨骼未见异常FDG代谢。", {"bone": [N]}),
    # brain wording
    ("颅内占位，FDG代谢异常增高。", {"brain": [I]}),
    # comparison with a prior study: decreased-from-prior alone labels nothing
    ("肝内病灶FDG摄取较前减低。", {}),
]

EN_CASES = [
    ("Intense FDG uptake in a 3 cm mass in the right upper lobe (SUVmax 11.2).", {"lung": [I]}),
    ("The liver and spleen demonstrate physiologic activity.", {"liver": [N], "spleen": [N]}),
    (
        "No FDG-avid cervical, axillary or inguinal lymph nodes.",
        {"neck_lymph_node": [N], "axillary_lymph_node": [N], "abdominal_lymph_node": [N]},
    ),
    ("There is no abnormal uptake in the thyroid.", {"thyroid": [N]}),
    ("Photopenic defect in the left kidney consistent with a cyst.", {"kidney": [A]}),
    ("Relatively decreased uptake in the right hepatic lobe.", {"liver": [D]}),
    ("Hypometabolism in the left temporal lobe.", {"brain": [D]}),
    ("A non-FDG-avid sclerotic lesion in the L2 vertebral body.", {"bone": [N]}),
    (
        "Hypermetabolic mediastinal and hilar lymphadenopathy, suspicious for lymphoma.",
        {"mediastinal_lymph_node": [I]},
    ),
    ("Diffuse marrow uptake, likely reactive.", {"bone": [I]}),
    (
        "Interval resolution of FDG avidity in the left axillary nodes.",
        {"axillary_lymph_node": [N]},
    ),
    ("The previously hypermetabolic pancreatic mass is no longer FDG avid.", {"pancreas": [N]}),
    ("FDG uptake in the prostate mass.", {"prostate": [I]}),
    ("Nonspecific heterogeneous uptake throughout the liver.", {"liver": [N]}),
    (
        "Physiologic activity in the gastrointestinal and urinary tracts.",
        {"stomach": [N], "intestine": [N], "kidney": [N], "bladder": [N]},
    ),
    ("Focal uptake in the sigmoid colon is likely physiologic.", {"intestine": [N]}),
    ("A 1 cm right lower lobe nodule is not FDG avid.", {"lung": [N]}),
    ("Hypermetabolic left neck mass.", {}),
    ("Large retroperitoneal mass with intense FDG uptake.", {}),
    ("Uptake in a soft tissue nodule adjacent to the sigmoid colon.", {}),
    ("The patient was injected with 10 mCi of F-18 FDG; blood glucose was 95 mg/dL.", {}),
    ("Elsewhere, no abnormal FDG uptake.", {}),
    (
        "Increased uptake in the left lobe of the liver and decreased uptake in the spleen.",
        {"liver": [I], "spleen": [D]},
    ),
    ("The thyroid is enlarged. It is diffusely hypermetabolic.", {"thyroid": [I]}),
    ("Mildly FDG-avid bilateral supraclavicular nodes (SUV max 3.1).", {"neck_lymph_node": [I]}),
    (
        "Increased uptake in the pericardium and along the thoracic aorta.",
        {"heart": [I], "vessel": [I]},
    ),
    ("Misspelt: intense uptake in the pancraes.", {"pancreas": [I]}),
    ("Intense uptake in both adrenal glands.", {"adrenal": [I]}),
    ("Brain: normal FDG distribution.", {"brain": [N]}),
    ("FDG-avid lesions in the subcutaneous tissues of the back.", {"soft_tissue": [I]}),
]

MORE_CASES = [
    ("双侧上颌窦黏膜增厚，FDG摄取轻度增高，考虑炎症。", {"paranasal_sinus": [I]}),
    ("右侧腭扁桃体增大，FDG代谢明显增高，SUVmax 10.2。", {"oropharynx": [I]}),
    ("喉部FDG摄取未见异常。", {"larynx": [N]}),
    ("双侧颌下淋巴结FDG摄取增高。", {"neck_lymph_node": [I]}),
    ("左侧乳腺外上象限见一结节，FDG代谢增高。", {"breast": [I]}),
    ("心肌FDG摄取弥漫性增高，考虑生理性。", {"heart": [N]}),
    ("右侧胸膜增厚伴FDG摄取增高。", {"pleura": [I]}),
    ("胆囊壁增厚，FDG摄取未见增高。", {"gallbladder": [N]}),
    ("左侧肾上腺结节，FDG代谢增高，SUVmax 4.5。", {"adrenal": [I]}),
    ("膀胱内放射性浓聚，为尿液排泄所致。", {"bladder": [N]}),
    ("子宫内膜FDG摄取增高，考虑生理性。", {"uterus_ovary": [N]}),
    ("右侧卵巢囊性灶，FDG摄取缺损。", {"uterus_ovary": [A]}),
    ("右侧臀部皮下见结节，FDG代谢增高。", {"soft_tissue": [I]}),
    ("腹主动脉管壁FDG摄取增高。", {"vessel": [I]}),
    ("脑实质放射性分布对称，未见异常放射性浓聚或稀疏。", {"brain": [N]}),
    ("左侧基底节区FDG代谢减低。", {"brain": [D]}),
    ("肝门区及腹膜后多发淋巴结，FDG摄取增高。", {"abdominal_lymph_node": [I]}),
    ("纵隔4R区淋巴结FDG代谢增高，SUVmax约5.6，考虑转移。", {"mediastinal_lymph_node": [I]}),
    ("右肺上叶磨玻璃结节，FDG摄取未见明显增高，建议随访。", {"lung": [N]}),
    ("乙状结肠局灶性FDG摄取增高，建议肠镜检查。", {"intestine": [I]}),
    ("T8椎体FDG代谢增高，考虑骨转移。", {"bone": [I]}),
    ("骨髓FDG摄取弥漫性增高，考虑反应性改变。", {"bone": [I]}),
    ("甲状腺左叶低密度结节，FDG摄取稍低于周围甲状腺组织。", {"thyroid": [D]}),
    ("脾脏FDG摄取高于肝脏。", {"spleen": [I]}),
    ("双侧腋窝未见肿大淋巴结。", {}),
    ("右侧锁骨上窝见肿大淋巴结，FDG代谢增高。", {"neck_lymph_node": [I]}),
    ("双肾实质FDG摄取未见异常，双侧输尿管未见扩张。", {"kidney": [N]}),
    ("胰腺尾部见低密度灶，FDG摄取减低。", {"pancreas": [D]}),
    ("Moderate FDG uptake in the gastric fundus, likely physiologic.", {"stomach": [N]}),
    (
        "Intense uptake in the left palatine tonsil (SUVmax 14.0), suspicious for malignancy.",
        {"oropharynx": [I]},
    ),
    (
        "Mild FDG avidity in the right parotid gland, likely a Warthin tumor.",
        {"salivary_gland": [I]},
    ),
    ("Diffusely increased thyroid uptake, consistent with thyroiditis.", {"thyroid": [I]}),
    ("No hypermetabolic mediastinal or hilar lymph nodes.", {"mediastinal_lymph_node": [N]}),
    ("There is a hypermetabolic lytic lesion in the right iliac bone.", {"bone": [I]}),
    (
        "Multiple FDG-avid hepatic metastases, the largest in segment 7 (SUVmax 9.8).",
        {"liver": [I]},
    ),
    ("Physiologic uptake in the bowel and bladder.", {"intestine": [N], "bladder": [N]}),
    ("Focal uptake in the cecum without a CT correlate.", {"intestine": [I]}),
    ("Uptake in the right adrenal nodule is less than liver.", {"adrenal": [N]}),
    ("The kidneys show expected excretion of radiotracer.", {"kidney": [N]}),
    ("Cold defect in the spleen.", {"spleen": [A]}),
    ("No abnormal uptake in the brain, neck, chest, abdomen or pelvis.", {"brain": [N]}),
    ("FDG-avid esophageal thickening at the gastroesophageal junction.", {"esophagus": [I]}),
    ("Increased activity in the myocardium is physiologic.", {"heart": [N]}),
    ("Prostate: no abnormal FDG uptake.", {"prostate": [N]}),
    (
        "LUNGS: A 2.1 cm spiculated nodule in the left upper lobe demonstrates intense uptake, SUV max 12.",
        {"lung": [I]},
    ),
    (
        "The previously noted FDG-avid left axillary node has resolved.",
        {"axillary_lymph_node": [N]},
    ),
]

REPORT_STYLE_CASES = [
    # realistic PET2Rep-like findings sentences
    (
        "右侧腮腺见一类圆形结节，大小约1.2cm×1.0cm，FDG摄取增高，SUVmax约6.8，余腮腺实质FDG摄取未见异常。",
        {"salivary_gland": [I]},
    ),
    ("双侧颈部Ⅱ区见多发淋巴结，部分肿大，FDG摄取增高，SUVmax 7.2。", {"neck_lymph_node": [I]}),
    (
        "双肺散在多发实性小结节，较大者位于右肺下叶，直径约0.6cm，FDG摄取未见明显增高。",
        {"lung": [N]},
    ),
    (
        "纵隔4R、7区及双侧肺门见多发淋巴结，部分钙化，FDG摄取轻度增高，SUVmax 3.1，考虑炎性增生。",
        {"mediastinal_lymph_node": [I]},
    ),
    ("心肌FDG摄取不均匀增高。", {"heart": [I]}),
    (
        "肝脏体积增大，肝内见多发低密度灶，FDG摄取明显增高，SUVmax 12.5，考虑肝转移瘤。",
        {"liver": [I]},
    ),
    ("胃窦部胃壁增厚，最厚约1.5cm，FDG摄取异常增高，SUVmax 9.6。", {"stomach": [I]}),
    ("乙状结肠局部见FDG摄取增高灶，SUVmax 5.4，CT相应部位未见明确异常。", {"intestine": [I]}),
    ("右肾上腺见一结节，FDG摄取与肝脏相仿。", {"adrenal": [I]}),
    ("前列腺体积增大，内见钙化灶，FDG摄取未见异常增高。", {"prostate": [N]}),
    ("T12椎体及左侧髂骨见溶骨性骨质破坏，FDG摄取增高，SUVmax 8.3。", {"bone": [I]}),
    (
        "双侧腋窝及腹股沟区见多发小淋巴结，FDG摄取未见异常。",
        {"axillary_lymph_node": [N], "abdominal_lymph_node": [N]},
    ),
    ("子宫体积增大，宫腔内见团块状FDG摄取增高灶。", {"uterus_ovary": [I]}),
    (
        "左侧乳腺外上象限见结节影，FDG摄取轻度增高，左侧腋窝见肿大淋巴结，FDG摄取增高。",
        {"breast": [I], "axillary_lymph_node": [I]},
    ),
    ("脾脏不大，FDG摄取弥漫性增高，高于肝脏。", {"spleen": [I]}),
    ("全身骨髓FDG摄取弥漫性增高，考虑反应性改变可能。", {"bone": [I]}),
    ("鼻咽顶后壁软组织增厚，FDG摄取增高，SUVmax 10.3。", {"nasopharynx": [I]}),
    ("食管中段管壁增厚，FDG摄取增高，SUVmax 11.0。", {"esophagus": [I]}),
    ("胰头部见低密度肿块，FDG摄取增高，SUVmax 6.1；胰体尾部FDG摄取未见异常。", {"pancreas": [I]}),
    ("腹主动脉旁及髂血管旁见多发肿大淋巴结，FDG摄取增高。", {"abdominal_lymph_node": [I]}),
    ("双侧胸腔积液，FDG摄取未见异常。", {"pleura": [N]}),
    ("胆囊壁稍厚，FDG摄取未见增高。", {"gallbladder": [N]}),
    ("左侧额叶见片状低密度影，FDG代谢减低。", {"brain": [D]}),
    ("甲状腺右叶见低密度结节，FDG摄取明显增高，SUVmax 15.2，建议超声检查。", {"thyroid": [I]}),
    ("膀胱充盈良好，壁光整，FDG生理性浓聚。", {"bladder": [N]}),
    ("影像诊断：1.右肺上叶高代谢结节，考虑肺癌可能大；2.纵隔淋巴结转移。", {"lung": [I]}),
    ("诊断：1.左肾上极囊肿；2.余全身PET/CT显像未见明显异常。", {}),
    # English report styles
    (
        "NECK: No hypermetabolic cervical lymphadenopathy. CHEST: Hypermetabolic 2.1 cm right upper lobe nodule, SUVmax 9.4. ABDOMEN/PELVIS: Physiologic activity in the bowel and urinary system.",
        {"neck_lymph_node": [N], "lung": [I], "intestine": [N], "kidney": [N], "bladder": [N]},
    ),
    (
        "There is a 3.2 cm hypermetabolic mass in the pancreatic tail with SUVmax of 8.7.",
        {"pancreas": [I]},
    ),
    ("Diffusely increased FDG uptake in the thyroid gland, likely thyroiditis.", {"thyroid": [I]}),
    ("The spleen is enlarged with diffuse uptake greater than liver.", {"spleen": [I]}),
    (
        "Multiple FDG-avid osseous lesions, including the T8 vertebral body and left iliac bone.",
        {"bone": [I]},
    ),
    ("Left adrenal nodule without significant FDG uptake.", {"adrenal": [N]}),
    (
        "Focal intense uptake in the ascending colon (SUVmax 14.1), recommend colonoscopy.",
        {"intestine": [I]},
    ),
    (
        "No abnormal hypermetabolic activity in the liver, spleen, or adrenal glands.",
        {"liver": [N], "spleen": [N], "adrenal": [N]},
    ),
    (
        "Mild uptake in bilateral hilar lymph nodes, likely reactive.",
        {"mediastinal_lymph_node": [I]},
    ),
    (
        "Intense uptake in the right palatine tonsil is asymmetric compared with the left.",
        {"oropharynx": [I]},
    ),
    ("Cold defect in the liver corresponding to a cyst.", {"liver": [A]}),
    ("Post-surgical changes in the left breast without abnormal FDG uptake.", {"breast": [N]}),
    (
        "Intense FDG uptake in an enlarged left supraclavicular lymph node (SUVmax 16).",
        {"neck_lymph_node": [I]},
    ),
    ("Increased uptake in the esophagus, likely esophagitis.", {"esophagus": [I]}),
]

GUIDE_RULE_CASES = [
    (
        "The left hilar node shows decreased uptake compared with the prior study but remains above background.",
        {"mediastinal_lymph_node": [I]},
    ),
    ("The liver lesion shows decreased uptake compared with prior.", {}),
    ("Resolved FDG avidity in the right cervical nodes.", {"neck_lymph_node": [N]}),
    ("A second abnormality was seen on PET in the left adrenal gland.", {"adrenal": [I]}),
    ("No FDG-avid adenopathy.", {}),
    ("No abnormal uptake in the solid organs.", {}),
    ("FDG-avid nodes below the diaphragm.", {"abdominal_lymph_node": [I]}),
    ("Hypermetabolic retropectoral lymph node.", {"axillary_lymph_node": [I]}),
    ("Intense uptake in an internal mammary node.", {"mediastinal_lymph_node": [I]}),
    ("Focal uptake in the distal left ureter, likely urinary activity.", {"kidney": [N]}),
    ("Physiologic activity throughout the GI tract.", {"stomach": [N], "intestine": [N]}),
    ("Physiologic excretion in the genitourinary tract.", {"kidney": [N], "bladder": [N]}),
    ("Intense physiologic uptake in the brain.", {"brain": [N]}),
    ("Nonspecific abnormal uptake in the left psoas muscle.", {"soft_tissue": [I]}),
    ("The kidneys are visualized.", {}),
    ("Liver metastasis.", {}),
    ("The spleen measures 14 cm, normal in size.", {}),
    ("Attenuation artifact at the left shoulder.", {}),
    ("Mild uptake at the right shoulder joint, likely degenerative.", {"soft_tissue": [I]}),
    (
        "Increased uptake in the cardiophrenic node and retrocrural nodes.",
        {"mediastinal_lymph_node": [I]},
    ),
    ("Infraclavicular node with mild uptake.", {"axillary_lymph_node": [I]}),
    ("双肾及膀胱显影，未见异常。", {}),
    ("颅内多发转移瘤。", {}),
    ("胆总管扩张，FDG摄取未见异常。", {"liver": [N]}),
    ("左侧输尿管中段FDG摄取增高。", {"kidney": [I]}),
    (
        "咽部（鼻咽、口咽、喉咽）FDG摄取未见异常。",
        {"nasopharynx": [N], "oropharynx": [N], "larynx": [N]},
    ),
    ("双侧锁骨上窝未见肿大淋巴结，FDG摄取未见异常。", {"neck_lymph_node": [N]}),
    ("左肺门旁软组织肿块，FDG摄取增高。", {}),
    ("化疗前左颈部淋巴结FDG摄取显著增高，本次检查未见异常FDG摄取。", {"neck_lymph_node": [N]}),
    ("与前片比较，右肺病灶FDG摄取较前减低。", {}),
    ("右肺病灶FDG摄取较前减低，但仍高于本底。", {"lung": [I]}),
    ("肝内病灶FDG摄取较前明显增高。", {"liver": [I]}),
    ("肝右叶见放射性缺损区。", {"liver": [A]}),
    ("肝右叶病灶呈环形FDG摄取增高，中心呈放射性缺损。", {"liver": [I, A]}),
    ("甲状腺两叶FDG摄取弥漫性增高，考虑桥本甲状腺炎。", {"thyroid": [I]}),
    ("双侧髂骨、骶骨骨髓FDG摄取弥漫性增高。", {"bone": [I]}),
    ("右侧髂窝见肿大淋巴结，FDG摄取增高。", {"abdominal_lymph_node": [I]}),
    ("膀胱内尿液放射性浓聚。", {"bladder": [N]}),
    ("双侧颈部肌肉FDG摄取增高，考虑肌肉紧张所致生理性摄取。", {"soft_tissue": [N]}),
]

SECTIONED_REPORT_CASES = [
    (
        "检查所见：\n1. 头颈部：脑实质FDG摄取未见异常；双侧颈部未见肿大淋巴结。\n2. 胸部：右肺上叶见一结节，FDG摄取增高，SUVmax 6.5；纵隔内未见肿大淋巴结及异常FDG摄取。\n3. 腹盆部：肝、胆、胰、脾、双肾FDG摄取未见异常。",
        {
            "brain": [N],
            "lung": [I],
            "mediastinal_lymph_node": [N],
            "liver": [N],
            "gallbladder": [N],
            "pancreas": [N],
            "spleen": [N],
            "kidney": [N],
        },
    ),
    (
        "PET/CT所见：左侧上颌窦内软组织密度影，FDG摄取异常增高，SUVmax 11.3，邻近骨质破坏。",
        {"paranasal_sinus": [I]},
    ),
    ("结论：\n1、右肺癌伴纵隔淋巴结转移；\n2、全身骨骼未见明确转移征象。", {}),
    ("肝脏S8段见一低密度灶，大小约2.1cm，放射性摄取增高，SUVmax约5.6。", {"liver": [I]}),
    ("双侧肾上腺未见明显增粗，未见异常放射性浓聚。", {"adrenal": [N]}),
    ("右侧股骨上段髓腔内FDG摄取增高，SUVmax 4.2，CT未见明确骨质破坏。", {"bone": [I]}),
    ("双侧扁桃体对称性FDG摄取增高，考虑炎性。", {"oropharynx": [I]}),
    ("鼻咽部未见明显增厚，FDG摄取对称，未见异常。", {"nasopharynx": [N]}),
    ("胃底部胃壁FDG摄取增高，考虑生理性可能大。", {"stomach": [N]}),
    ("结肠走行区见条状FDG摄取增高，考虑生理性肠道摄取。", {"intestine": [N]}),
    (
        "左侧腋窝淋巴结FDG摄取未见异常，右侧腋窝见一肿大淋巴结，FDG摄取增高。",
        {"axillary_lymph_node": [I]},
    ),
    ("心肌呈生理性摄取，心包未见积液。", {"heart": [N]}),
    ("前列腺内见结节状FDG摄取增高灶，SUVmax 6.8。", {"prostate": [I]}),
    (
        "腹膜后及双侧髂血管旁见多发肿大淋巴结，较大者约2.5cm×2.0cm，FDG摄取增高，SUVmax 9.1。",
        {"abdominal_lymph_node": [I]},
    ),
    ("全身多发骨质破坏伴FDG摄取增高，考虑骨转移。", {"bone": [I]}),
]

MORE_PHRASING_CASES = [
    ("Moderate FDG uptake is seen in a 1.5 cm left level II lymph node.", {"neck_lymph_node": [I]}),
    ("There is no evidence of FDG-avid disease in the abdomen or pelvis.", {}),
    (
        "The previously seen hypermetabolic lesion in segment 6 of the liver is no longer visualized.",
        {"liver": [N]},
    ),
    (
        "Heterogeneous increased uptake throughout the enlarged spleen (SUVmax 5.1), compatible with lymphomatous involvement.",
        {"spleen": [I]},
    ),
    ("No focal hypermetabolism is identified in the pancreas.", {"pancreas": [N]}),
    (
        "Bilateral hilar and mediastinal lymph nodes demonstrate mild symmetric FDG uptake, likely reactive/granulomatous.",
        {"mediastinal_lymph_node": [I]},
    ),
    (
        "Low-grade FDG activity in a subcentimeter right axillary node is nonspecific.",
        {"axillary_lymph_node": [I]},
    ),
    (
        "Expected physiologic distribution of radiotracer in the brain, heart, kidneys and bladder.",
        {"brain": [N], "heart": [N], "kidney": [N], "bladder": [N]},
    ),
    ("Diffuse esophageal uptake, likely esophagitis.", {"esophagus": [I]}),
    (
        "Intense uptake in the cecum and ascending colon is likely physiologic; correlate with colonoscopy.",
        {"intestine": [N]},
    ),
    ("Photopenic region in the right hepatic lobe corresponding to a known cyst.", {"liver": [A]}),
    ("The right kidney is surgically absent.", {"kidney": [A]}),
    (
        "Focal FDG uptake in the left breast (SUVmax 3.4) corresponds to a known biopsy-proven carcinoma.",
        {"breast": [I]},
    ),
    ("Thyroid: heterogeneous with no focal hypermetabolism.", {"thyroid": [N]}),
    ("Bones: No FDG-avid osseous lesions.", {"bone": [N]}),
    ("盆腔内见软组织肿块，FDG摄取增高。", {}),
    ("左侧锁骨上淋巴结肿大，FDG摄取增高，SUVmax 7.9。", {"neck_lymph_node": [I]}),
    ("肝门区及腹膜后淋巴结FDG摄取未见异常。", {"abdominal_lymph_node": [N]}),
    ("右侧肾盂扩张积水，FDG呈尿液滞留所致浓聚。", {"kidney": [N]}),
    ("左侧基底节区见小片状低密度影，FDG代谢未见明显减低。", {"brain": [N]}),
    ("双侧肺门对称性FDG摄取轻度增高，考虑炎性增生。", {"mediastinal_lymph_node": [I]}),
    ("甲状腺左叶见结节，FDG摄取未见增高，建议超声随访。", {"thyroid": [N]}),
    ("乙状结肠管壁增厚，FDG摄取增高，SUVmax 8.2，考虑结肠癌。", {"intestine": [I]}),
    ("双侧睾丸FDG生理性摄取。", {}),
    ("胸骨柄及多发肋骨FDG摄取增高。", {"bone": [I]}),
]

ORGAN_BY_ORGAN_ZH_CASES = [
    ("双侧大脑半球皮层FDG代谢对称，未见异常增高或减低区。", {"brain": [N]}),
    ("右侧颞叶FDG代谢较对侧明显减低。", {"brain": [D]}),
    ("小脑FDG代谢未见异常。", {"brain": [N]}),
    ("双侧眼外肌FDG生理性摄取。", {"eye": [N]}),
    ("左侧口咽侧壁增厚，FDG摄取增高，SUVmax 9.2。", {"oropharynx": [I]}),
    ("会厌及声门区未见异常FDG摄取。", {"larynx": [N]}),
    ("双侧颌下腺FDG摄取对称性增高，考虑生理性。", {"salivary_gland": [N]}),
    ("甲状腺体积增大，FDG摄取弥漫性增高，SUVmax 5.8。", {"thyroid": [I]}),
    ("左肺下叶后基底段见磨玻璃影，FDG轻度摄取。", {"lung": [I]}),
    ("右侧胸膜多发结节样增厚，FDG摄取增高，考虑胸膜转移。", {"pleura": [I]}),
    ("食管下段至贲门管壁增厚，FDG摄取增高，SUVmax 12.4。", {"esophagus": [I], "stomach": [I]}),
    ("肝实质FDG摄取不均匀，未见明确局灶性摄取增高。", {"liver": [N]}),
    ("胆囊窝术后改变，未见异常FDG摄取。", {}),
    ("胰腺体积萎缩，FDG摄取未见异常。", {"pancreas": [N]}),
    ("脾脏增大，FDG摄取弥漫性增高，SUVmax 4.6，高于肝脏。", {"spleen": [I]}),
    ("左肾下极见一稍低密度肿块，FDG摄取轻度增高。", {"kidney": [I]}),
    ("右侧肾上腺结节，FDG摄取不高。", {"adrenal": [N]}),
    ("胃小弯侧见多发小淋巴结，FDG摄取未见增高。", {"abdominal_lymph_node": [N]}),
    ("回盲部肠壁增厚，FDG摄取增高。", {"intestine": [I]}),
    ("膀胱壁未见增厚，腔内放射性浓聚为尿液所致。", {"bladder": [N]}),
    ("宫颈区FDG摄取增高，SUVmax 10.1，考虑宫颈癌。", {"uterus_ovary": [I]}),
    ("双侧卵巢区未见异常FDG摄取。", {"uterus_ovary": [N]}),
    ("腰3椎体骨质破坏，FDG摄取增高。", {"bone": [I]}),
    ("双侧肩关节周围FDG摄取增高，考虑退行性改变。", {"soft_tissue": [I]}),
    ("主动脉弓及降主动脉管壁FDG摄取弥漫性增高，考虑大动脉炎可能。", {"vessel": [I]}),
    ("左侧腹股沟区见肿大淋巴结，FDG摄取未见增高，考虑反应性增生。", {"abdominal_lymph_node": [N]}),
    ("右侧臀部皮下见软组织结节，FDG摄取增高，考虑转移。", {"soft_tissue": [I]}),
]

ORGAN_BY_ORGAN_EN_CASES = [
    ("Hypermetabolic activity within the left tonsil (SUVmax 12.0).", {"oropharynx": [I]}),
    (
        "Asymmetric increased uptake in the right vocal cord, likely from contralateral vocal cord paralysis.",
        {"larynx": [I]},
    ),
    ("Mildly increased activity in bilateral parotid glands.", {"salivary_gland": [I]}),
    ("No suspicious FDG uptake in the thyroid gland.", {"thyroid": [N]}),
    ("Multiple bilateral pulmonary nodules without significant FDG uptake.", {"lung": [N]}),
    ("FDG-avid right pleural thickening (SUVmax 6.2).", {"pleura": [I]}),
    ("Diffuse myocardial uptake, a physiologic variant.", {"heart": [N]}),
    ("Increased uptake along the distal esophagus, SUVmax 7.3.", {"esophagus": [I]}),
    ("Multiple hypermetabolic hepatic lesions, the largest in segment 4A.", {"liver": [I]}),
    ("Gallbladder wall thickening without increased uptake.", {"gallbladder": [N]}),
    ("Hypermetabolic pancreatic head mass measuring 3.1 cm (SUVmax 9.9).", {"pancreas": [I]}),
    ("Splenomegaly with diffusely increased splenic uptake.", {"spleen": [I]}),
    (
        "Focal uptake in the left renal collecting system, consistent with excreted tracer.",
        {"kidney": [N]},
    ),
    (
        "Intense uptake in the gastric antrum (SUVmax 10.5), suspicious for neoplasm.",
        {"stomach": [I]},
    ),
    ("Focal uptake in the rectum.", {"intestine": [I]}),
    ("Hypermetabolic mesenteric lymph nodes.", {"abdominal_lymph_node": [I]}),
    ("Bladder: physiologic tracer accumulation.", {"bladder": [N]}),
    ("Prostate: focal uptake in the left peripheral zone, SUVmax 5.0.", {"prostate": [I]}),
    (
        "Increased uptake in the endometrium, likely physiologic given premenopausal status.",
        {"uterus_ovary": [N]},
    ),
    ("Diffusely increased bone marrow uptake, likely related to G-CSF.", {"bone": [I]}),
    ("Hypermetabolic subcutaneous nodules in the back.", {"soft_tissue": [I]}),
    ("Increased FDG uptake in the wall of the thoracic aorta.", {"vessel": [I]}),
    ("Cold defect in the left lobe of the thyroid.", {"thyroid": [A]}),
]

MIXED_CASES = [
    ("肝脏 liver 见高代谢灶，SUVmax 7.4。", {"liver": [I]}),
    ("Stomach: 胃壁FDG摄取增高。", {"stomach": [I]}),
]


CASE_GROUPS = {
    "zh": ZH_CASES,
    "en": EN_CASES,
    "mixed": MIXED_CASES,
    "more": MORE_CASES,
    "report_style": REPORT_STYLE_CASES,
    "guide_rule": GUIDE_RULE_CASES,
    "sectioned_report": SECTIONED_REPORT_CASES,
    "more_phrasing": MORE_PHRASING_CASES,
    "organ_by_organ_zh": ORGAN_BY_ORGAN_ZH_CASES,
    "organ_by_organ_en": ORGAN_BY_ORGAN_EN_CASES,
}
ALL_CASES = [
    pytest.param(text, expected, id=f"{group}-{text[:24]}")
    for group, cases in CASE_GROUPS.items()
    for text, expected in cases
]


@pytest.mark.parametrize(("text", "expected"), ALL_CASES)
def test_labels(extractor, text, expected):
    assert extractor(text).labels == _sorted(expected)
