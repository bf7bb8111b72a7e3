package scan

// ethnicGroups are the 56 民族 in the order and wording of GB/T 3304-1991
// 《中国各民族名称的罗马字母拼写法和代码》.
var ethnicGroups = []string{
	"汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
	"满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
	"佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
	"达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
	"塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
	"独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
}

// neutralTerms contain a sensitive term but mean something else; as longer
// dictionary entries they win the longest match and hide the shorter one
// (水族馆 is an aquarium, not the Shui people; 支付宝 is a brand).
var neutralTerms = []string{
	"水族馆", "水族箱", "水族店", "水族用品", "支付宝", "支付方式", "号线", "号店", "号码", "号楼盘",
	"白族风情", "回族自治", // place names, kept as context not as a person's attribute
}

// maritalTerms are statuses of GB/T 2261.2-2003 (婚姻状况代码) as written in
// free text.
var maritalTerms = []string{"已婚", "未婚", "离异", "离婚", "丧偶", "再婚", "初婚"}

// maritalValues are accepted as a whole cell in a marital-status column.
var maritalValues = []string{"已婚", "未婚", "离异", "离婚", "丧偶", "再婚", "初婚", "复婚", "married", "single", "divorced", "widowed"}

// educationValues are levels of GB/T 4658-2006 (学历代码) and common
// English equivalents; they are findings in education columns or after 学历.
var educationValues = []string{"博士", "博士研究生", "硕士", "硕士研究生", "研究生", "本科", "大学本科", "大专", "大学专科", "专科", "高中", "中专", "职高", "技校", "初中", "小学", "文盲", "学士", "phd", "doctorate", "master", "bachelor", "high school"}

// healthTerms are diseases and health states that reveal a person's health
// (X-F2 健康疾病).
var healthTerms = []string{
	"糖尿病", "高血压", "癌症", "肿瘤", "艾滋病", "HIV阳性", "乙肝", "肝炎", "抑郁症", "精神分裂",
	"精神病", "心脏病", "冠心病", "哮喘", "肺结核", "梅毒", "白血病", "脑卒中", "中风", "帕金森",
	"阿尔茨海默", "癫痫", "残疾", "病史", "确诊", "住院记录", "怀孕", "妊娠", "不孕", "尿毒症", "透析",
}

// commonSurnames are the surnames of 《百家姓》 most frequent today; a value
// in a name column is a personal name when it opens with one of them.
var commonSurnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
	"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
	"余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
	"石", "廖", "贾", "夏", "韦", "付", "傅", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷",
	"侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向",
	"汤", "常", "温", "康", "施", "文", "牛", "樊", "葛", "邢", "安", "齐", "易", "乔", "伍", "庞", "颜", "倪", "庄", "聂",
	"章", "鲁", "岳", "翟", "殷", "詹", "申", "欧", "耿", "关", "兰", "焦", "俞", "左", "柳", "甘", "祝", "包", "宁", "尚",
	"符", "舒", "阮", "柯", "纪", "梅", "童", "凌", "毕", "单", "季", "裴", "霍", "涂", "成", "苗", "谷", "盛", "曲", "翁",
	"冉", "骆", "蓝", "路", "游", "辛", "靳", "管", "柴", "蒙", "鲍", "华", "喻", "祁", "蒲", "房", "滕", "屈", "饶", "解",
	"牟", "艾", "尤", "阳", "时", "穆", "农", "司", "卓", "古", "吉", "缪", "简", "车", "项", "连", "芦", "麦", "褚", "娄",
	"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐",
}

// provinceAbbrevs open a mainland licence plate (GA 36-2018 附录 A).
const provinceAbbrevs = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

// plateSuffixes end special plates: trailer, coach, police, Hong Kong and
// Macao cross-border, consulate.
const plateSuffixes = "挂学警港澳领"

// placeholders are cell values that carry no information.
var placeholders = []string{"", "-", "--", "无", "未知", "不详", "空", "null", "NULL", "N/A", "n/a", "NA", "none", "None"}
