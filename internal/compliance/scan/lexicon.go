package scan

import "strings"

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
	"年龄段", "年龄层", "年龄组", "配方奶", "房地产", "人脸识别", "指纹识别", "指纹解锁",
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

// givenNameChars are characters frequent in mainland given names, compiled
// for this scanner from name-frequency knowledge; characters that mostly
// build ordinary words after a surname (山, 水, 天, 心, 中) are left out, so
// that 白云山 or 江山 stay words. A whole cell of a common surname and one or
// two of these is taken for a name wherever it stands.
const givenNameChars = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华玉萍红建文辉力鹏宇浩凯健俊帆帅旭宁龙林欣怡婷雪慧佳琳颖倩晶丹蕾莉秀兰梅琴燕云莹凤洁婕晨阳昊然轩睿博泽哲瑞嘉子梓涵萱雨彤诗晓小志国海波斌峰亮飞鑫东春秋新金荣成立永德清琪悦馨婉思语可妍欢乐宏毅诚豪翔航宝贵福喜庆祥兵松柏桂芝珍琼娥凡璐露薇菲蓉霖鸿达振家胜义杨亚宁淑惠巧美娇若冰枫晴琦瑶婧雯媛蓓璇茜薇嫣逸鸣"

// strongGivenChars are the given-name characters safe enough to stand after
// a surname in a two-character cell: few ordinary words end in them.
const strongGivenChars = "伟芳娜敏静丽强磊军洋勇艳杰娟涛超霞刚英萍鹏浩凯帆帅旭琳颖倩晶丹蕾莉秀梅琴燕莹凤洁婷怡欣慧佳睿哲涵萱彤鑫斌峰亮琪悦馨婉妍豪翔宇昊轩博泽瑞婧雯媛璇茜"

// nameStopWords are two-character words that have the shape of a surname
// and a strong given-name character but are ordinary words or places.
var nameStopWords = []string{
	"安静", "文静", "宁静", "高峰", "高超", "高亮", "高洁", "高强", "高丽", "华丽", "金刚", "温馨", "温婉",
	"龙凤", "黄梅", "杨梅", "石英", "江洋", "汪洋", "方便", "白洁", "平静", "明亮", "洪亮", "秦琴",
}

// honorifics follow a person's name in polite text (张伟先生).
var honorifics = []string{"先生", "女士", "小姐"}

// nameContext precede a person's name in text (联系人：张伟).
var nameContext = []string{"姓名", "联系人", "收货人", "收件人", "持卡人", "户主", "患者", "投保人", "被保险人", "申请人", "法定代表人", "经办人", "签收人", "寄件人"}

// pinyinSurnames are the common surnames above as written in Hanyu Pinyin
// (ü as v), for names in Latin letters ("Zhang Wei", "WANG Fang").
var pinyinSurnames = []string{
	"wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "gao", "lin", "luo",
	"zheng", "liang", "xie", "song", "tang", "han", "feng", "deng", "cao", "peng", "zeng", "xiao", "tian", "dong", "yuan", "pan", "yu", "jiang", "cai",
	"du", "ye", "cheng", "su", "wei", "lv", "ding", "ren", "shen", "yao", "lu", "cui", "zhong", "tan", "fan", "jin", "shi", "liao", "jia", "xia",
	"fu", "fang", "bai", "zou", "meng", "xiong", "qin", "qiu", "yin", "xue", "yan", "duan", "lei", "hou", "long", "tao", "gu", "mao", "hao", "gong",
	"shao", "wan", "qian", "dai", "mo", "kong", "ouyang", "sima", "shangguan", "zhuge",
}

// pinyinSyllables are the syllables of Hanyu Pinyin without tones (GB/T
// 16159 spelling, ü as v), grouped by initial.
var pinyinSyllables = strings.Fields(`
a ai an ang ao e ei en eng er o ou
ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu
pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu
ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu
fa fan fang fei fen feng fo fou fu
da dai dan dang dao de dei den deng di dian diao die ding diu dong dou du duan dui dun duo
ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo
na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nuo nv nve
la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo lv lve
ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo
ka kai kan kang kao ke ken keng kong kou ku kua kuai kuan kuang kui kun kuo
ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo
ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun
qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun
xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun
zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo
cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo
sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo
ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo
za zai zan zang zao ze zei zen zeng zi zong zou zu zuan zui zun zuo
ca cai can cang cao ce cen ceng ci cong cou cu cuan cui cun cuo
sa sai san sang sao se sen seng si song sou su suan sui sun suo
ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun
wa wai wan wang wei wen weng wo wu`)

// latinNameStop are pairs of pinyin words that are places or brands.
var latinNameStop = []string{"hong kong", "ma on", "tai po", "sha tin"}

// ageContext precede an exact age (年龄：35).
var ageContext = []string{"年龄", "年纪", "芳龄", "享年"}

// biometricTerms name biometric data itself; each is a finding (X-F2).
var biometricTerms = []string{
	"指纹特征", "指纹模板", "指纹数据", "指纹图像", "人脸特征", "人脸图像", "人脸数据", "面部特征", "虹膜特征", "虹膜数据",
	"虹膜图像", "声纹特征", "声纹数据", "掌纹特征", "掌纹数据", "指静脉", "步态特征", "基因序列",
}

// biometricContext precede a template or feature vector ("指纹: 464D5200…").
var biometricContext = []string{"指纹", "人脸", "虹膜", "声纹", "掌纹", "面部"}

// cvTerms are the section headings of a CV (简历); a cell carrying one is a
// CV or a piece of it (X-F2).
var cvTerms = []string{"个人简历", "工作经历", "工作经验", "教育经历", "教育背景", "项目经历", "求职意向", "自我评价", "期望薪资", "期望薪酬", "任职经历", "履历"}

// securitiesContext precede a securities or fund account number (X-F3).
var securitiesContext = []string{"证券账户", "证券账号", "股东账户", "股东账号", "股东代码", "资金账号", "资金账户", "股票账户", "基金账户", "基金账号", "证券代码账户"}

// insuranceContext precede a policy number (X-F3). Policy numbers have no
// common format across insurers, so only context marks them.
var insuranceContext = []string{"保单号", "保单号码", "保险单号", "投保单号", "保单", "保险合同号"}

// propertyContext precede the number of a housing title (X-F3): the
// 不动产权证书 of 《不动产登记暂行条例实施细则》 and the older 房屋所有权证 and
// 房地产权证.
var propertyContext = []string{"不动产权", "不动产证明", "不动产登记", "房产证", "房权证", "房屋所有权证", "房地产权证", "产权证", "字第", "房产登记", "房地"}

// enterpriseTerms name an enterprise's own business data (X-F4): customer
// and supplier lists, accounts, formulas, processes and programs.
var enterpriseTerms = []string{
	"客户名单", "客户清单", "供应商名单", "供应商清单", "采购价格", "采购合同", "进货价", "成本价", "配方", "工艺参数",
	"工艺流程", "技术方案", "源代码", "源码", "财务报表", "资产负债表", "利润表", "现金流量表", "营业收入", "净利润", "毛利率",
	"产销数据", "生产计划", "销售台账",
}

// orgContext precede a business registration number (工商注册号).
var orgContext = []string{"注册号", "营业执照", "组织机构代码", "机构代码"}

// imageExtensions end the name of an image file.
var imageExtensions = []string{".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".heic", ".heif", ".tif", ".tiff"}

// imageMagic open an image or a biometric template written as base64 or
// hex: JPEG (/9j/), PNG, GIF, and the record headers of ISO/IEC 19794-2
// (FMR), -4 (FIR), -5 (FAC) and -6 (IIR).
var (
	imageBase64 = []string{"iVBORw0KGgo", "R0lGODlh", "R0lGODdh"}
	bioBase64   = []string{"Rk1SA", "RklSA", "RkFDA", "SUlSA"} // "FMR\0" and the others, whatever version follows
	bioHex      = []string{"464d5200", "46495200", "46414300", "49495200"}
)

// employerContext open the name of a person's employer in text (X-F2).
var employerContext = []string{"工作单位", "就职于", "任职于", "供职于", "现就职", "所在单位"}

// nameFollowers usually follow a person's name that opens a sentence:
// verbs of having, doing and being, particles and conjunctions.
const nameFollowers = "已在于是的说来去要想和与及等同今昨每常从给把被向对也都还就又曾将会可为让喜购买签收到住"

// otherDateContext say that the date after them is not a date of birth
// (有效期至 2005-08-24, 成立于 1998-05-12).
var otherDateContext = []string{"有效期", "成立", "截止", "签发", "到期", "注册日期", "开业", "办理", "发证", "入职", "入学", "毕业于"}
