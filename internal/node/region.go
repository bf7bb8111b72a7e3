package node

import (
	"context"
	"strings"

	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/member"
	"hulian/internal/node/nodestore"
)

// Region returns the node's declared storage region, "" if none.
func (n *Node) Region() string { return n.region }

// settleRegion stores a newly declared storage region and reads back the
// one in force. A node outside mainland China still opens, to serve its
// keys and console, but refuses to import or answer from personal
// information datasets (O-6).
func (n *Node) settleRegion(ctx context.Context, region string) error {
	if region != "" {
		a := member.Application{StorageRegion: region}
		a.Normalize()
		if err := checkRegionCode(a.StorageRegion); err != nil {
			return err
		}
		region = a.StorageRegion
	}
	var holds bool
	err := n.DB.Transact(ctx, func(tx *nodestore.Tx) (err error) {
		if region != "" {
			if err := tx.SetSetting(ctx, nodestore.SettingStorageRegion, region); err != nil {
				return err
			}
		}
		if n.region, err = tx.Setting(ctx, nodestore.SettingStorageRegion); err != nil {
			return err
		}
		holds, err = tx.HasDatasets(ctx, string(catalog.SubjectPerson))
		return err
	})
	if err != nil {
		return err
	}
	if holds && n.region != "" && !(member.Application{StorageRegion: n.region}).InMainland() {
		n.logger.Warn("the node's storage region is outside mainland China; its personal information datasets will not be served (O-6)", "region", n.region)
	}
	return nil
}

// checkRegionCode accepts an ISO 3166-1 country with an optional ISO
// 3166-2 subdivision, as member applications declare it.
func checkRegionCode(r string) error {
	country, sub, hasSub := strings.Cut(r, "-")
	ok := len(country) == 2 && strings.Trim(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" &&
		(!hasSub || (len(sub) >= 1 && len(sub) <= 3 && strings.Trim(sub, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""))
	if !ok {
		return errs.Invalidf("--region", "数据存储地须为 ISO 3166-2 代码，如 CN-SH", "the storage region must be an ISO 3166-2 code, e.g. CN-SH")
	}
	return nil
}

// CheckRegion refuses personal information when the node stores outside
// mainland China, and any dataset when the node has declared no region.
func (n *Node) CheckRegion(subject catalog.SubjectKind) error {
	if n.region == "" {
		return errs.New(errs.FailedPrecondition, "--region", "节点尚未声明数据存储地，请用 --region 声明（如 --region CN-SH）", "the node has not declared its storage region; declare it with --region (e.g. --region CN-SH)")
	}
	if subject == catalog.SubjectPerson && !(member.Application{StorageRegion: n.region}).InMainland() {
		return errs.New(errs.FailedPrecondition, "--region",
			"节点数据存储地 "+n.region+" 不在中国境内（不含港澳台），不能存储或提供个人信息数据集（O-6）；请在境内部署节点并用 --region 声明",
			"the node's storage region "+n.region+" is outside mainland China; it may not store or serve personal information datasets (O-6); run the node in the mainland and declare it with --region")
	}
	return nil
}
