//! 账号与授权 (三权分立): the system administrator creates accounts (disabled, 待授权), disables
//! them and resets passwords; the security administrator grants a role and region, which also
//! enables the account; the audit administrator reads the trail. None of them changes their own
//! account or another administrator's (those are made at install from the command line), none
//! reads households. Every change asks for the administrator's own password again.

use crate::{AccountError, Accounts, Result, password};
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::casework::Department;
use jiuzhu_domain::{Action, Denial, FieldError, ObjectKind, Permission, RegionCode, Role, User, text};
use jiuzhu_store::{Account, NewAccount, StoreError};

/// A new business account as the system administrator fills it in.
#[derive(Debug, Clone, Default)]
pub struct NewAccountInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region: String,
    pub department: String,
    /// The first password, which the owner must replace at the first sign-in.
    pub password: String,
}

/// A grant (授权) as the security administrator fills it in.
#[derive(Debug, Clone, Default)]
pub struct GrantInput {
    pub role: String,
    pub region: String,
    pub department: String,
}

/// `3–32` lower-case letters, digits or `_`, starting with a letter.
fn valid_username(u: &str) -> bool {
    let mut chars = u.chars();
    (3..=32).contains(&u.len())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A business role (administrators are made at install) and, for a liaison, its department.
fn role_and_department(role: &str, department: &str) -> std::result::Result<(Role, Option<Department>), FieldError> {
    let role = Role::parse(role).filter(|r| r.is_business()).ok_or_else(|| {
        FieldError::new(
            "role",
            "role.business",
            "请选择业务角色（管理员账号只能在安装时由命令行创建）",
            "choose a business role (administrators are made at install)",
        )
    })?;
    let department = match (role, Department::parse(department)) {
        (Role::DepartmentLiaison, Some(d)) => Some(d),
        (Role::DepartmentLiaison, None) => {
            return Err(FieldError::new("department", "required", "部门联络员须选择所属部门", "a liaison needs a department"));
        }
        _ => None,
    };
    Ok((role, department))
}

/// Whether one administrator may act on `target`: never oneself, never an administrator.
fn may_act_on(admin: &User, target: &Account) -> std::result::Result<(), FieldError> {
    if target.id == admin.account_id {
        return Err(FieldError::new("account", "account.self", "不能修改本人账号", "you cannot change your own account"));
    }
    if !target.role.is_business() {
        return Err(FieldError::new(
            "account",
            "account.administrator",
            "管理员账号只能在安装时由命令行变更",
            "administrator accounts are changed only from the command line at install",
        ));
    }
    Ok(())
}

impl Accounts {
    fn require(&self, admin: &User, p: Permission) -> Result<()> {
        if admin.can(p) {
            Ok(())
        } else {
            admin.trail.refuse(Denial::Role);
            Err(AccountError::Forbidden)
        }
    }

    fn refuse<T>(admin: &User, denial: Denial, e: FieldError) -> Result<T> {
        admin.trail.refuse(denial);
        Err(AccountError::Invalid(e.into()))
    }

    /// The region must be a loaded division inside the administrator's own.
    async fn region_in_scope(&self, admin: &User, text: &str) -> Result<RegionCode> {
        let Ok(code) = RegionCode::parse(text.trim()) else {
            return Self::refuse(
                admin,
                Denial::Invalid,
                FieldError::new("region", "region.format", "区划代码格式不正确", "not a division code"),
            );
        };
        if self.regions.region(&code).await?.is_none() || !admin.scope.contains(&code) {
            return Self::refuse(
                admin,
                Denial::Invalid,
                FieldError::new(
                    "region",
                    "region.out_of_scope",
                    "区划不存在或不在您的管理范围内",
                    "unknown, or outside the region you administer",
                ),
            );
        }
        Ok(code)
    }

    /// The accounts an administrator of either kind sees: those inside their region.
    pub async fn list(&self, admin: &User) -> Result<Vec<Account>> {
        if !(admin.can(Permission::ManageAccounts) || admin.can(Permission::ManageRoles)) {
            admin.trail.refuse(Denial::Role);
            return Err(AccountError::Forbidden);
        }
        let all = self.accounts.list_accounts().await?;
        Ok(all.into_iter().filter(|a| admin.scope.contains(&a.region)).collect())
    }

    /// The account an administrator acts on: inside their region, not themselves, a business one.
    async fn target(&self, admin: &User, id: i64) -> Result<Account> {
        admin.trail.object(ObjectKind::Account, id);
        let account = match self.accounts.account(id).await? {
            Some(a) if admin.scope.contains(&a.region) => a,
            Some(_) => {
                admin.trail.refuse(Denial::OutOfScope);
                return Err(AccountError::NotFound);
            }
            None => {
                admin.trail.refuse(Denial::NotFound);
                return Err(AccountError::NotFound);
            }
        };
        if let Err(e) = may_act_on(admin, &account) {
            return Self::refuse(admin, Denial::Role, e);
        }
        Ok(account)
    }

    /// 新建账号 (system administrator): disabled until the security administrator grants it,
    /// with a first password its owner must replace.
    pub async fn create(&self, admin: &User, input: &NewAccountInput, my_password: &str) -> Result<i64> {
        admin.trail.action(Action::Account);
        self.require(admin, Permission::ManageAccounts)?;
        let username = input.username.trim().to_string();
        if !valid_username(&username) {
            return Self::refuse(
                admin,
                Denial::Invalid,
                FieldError::new(
                    "username",
                    "username.format",
                    "用户名为 3–32 位小写字母、数字或下划线，以字母开头",
                    "3–32 lower-case letters, digits or _ starting with a letter",
                ),
            );
        }
        let display_name: String = text::clean(&input.display_name).chars().take(32).collect();
        if display_name.is_empty() || text::has_control(&display_name) {
            return Self::refuse(
                admin,
                Denial::Invalid,
                FieldError::new("display_name", "required", "请填写姓名", "give the person's name"),
            );
        }
        let (role, department) = match role_and_department(&input.role, &input.department) {
            Ok(x) => x,
            Err(e) => return Self::refuse(admin, Denial::Invalid, e),
        };
        let region = self.region_in_scope(admin, &input.region).await?;
        if let Some((zh, en)) = password::problem(&username, &input.password) {
            return Self::refuse(admin, Denial::Invalid, FieldError::new("password", "password.policy", zh, en));
        }
        self.confirm(admin, Guarded::AccountChange, my_password, "my_password").await?;
        let new = NewAccount {
            username: username.clone(),
            display_name,
            role,
            region: region.clone(),
            department,
            password_hash: password::hash(&input.password).await,
            disabled: true,
            // The administrator knows it: the owner chooses their own at the first sign-in.
            must_change_password: true,
        };
        match self.accounts.create_account(&new).await {
            Ok(id) => {
                admin.trail.object(ObjectKind::Account, id);
                admin.trail.detail(format!("create;account={id};username={username};role={};region={region};disabled", role.as_str()));
                Ok(id)
            }
            Err(StoreError::Conflict { .. }) => {
                Self::refuse(admin, Denial::Invalid, FieldError::new("username", "username.taken", "该用户名已存在", "already taken"))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// 停用 (system administrator): ends every session of the account at once.
    pub async fn disable(&self, admin: &User, id: i64, my_password: &str) -> Result<()> {
        admin.trail.action(Action::Account);
        self.require(admin, Permission::ManageAccounts)?;
        let account = self.target(admin, id).await?;
        self.confirm(admin, Guarded::AccountChange, my_password, "my_password").await?;
        self.accounts.set_account_disabled(account.id, true).await?;
        admin.trail.detail(format!("account={id};username={};disable", account.username));
        Ok(())
    }

    /// 重置密码 (system administrator): a temporary password the owner must replace; ends the
    /// account's sessions and clears its lockout.
    pub async fn reset_password(&self, admin: &User, id: i64, new_password: &str, my_password: &str) -> Result<()> {
        admin.trail.action(Action::Account);
        self.require(admin, Permission::ManageAccounts)?;
        let account = self.target(admin, id).await?;
        if let Some((zh, en)) = password::problem(&account.username, new_password) {
            return Self::refuse(admin, Denial::Invalid, FieldError::new("password", "password.policy", zh, en));
        }
        self.confirm(admin, Guarded::AccountChange, my_password, "my_password").await?;
        self.accounts.set_password(account.id, &password::hash(new_password).await, true).await?;
        admin.trail.detail(format!("account={id};username={};reset_password", account.username));
        Ok(())
    }

    /// 授权 (security administrator): role, region and department, and the account enabled —
    /// one transaction.
    pub async fn grant(&self, admin: &User, id: i64, input: &GrantInput, my_password: &str) -> Result<()> {
        admin.trail.action(Action::Account);
        self.require(admin, Permission::ManageRoles)?;
        let account = self.target(admin, id).await?;
        let (role, department) = match role_and_department(&input.role, &input.department) {
            Ok(x) => x,
            Err(e) => return Self::refuse(admin, Denial::Invalid, e),
        };
        let region = self.region_in_scope(admin, &input.region).await?;
        self.confirm(admin, Guarded::AccountChange, my_password, "my_password").await?;
        self.accounts.grant_access(account.id, role, &region, department).await?;
        admin.trail.detail(format!(
            "account={id};username={};grant;role={};region={region};from_role={};from_region={}",
            account.username,
            role.as_str(),
            account.role.as_str(),
            account.region
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_roles() {
        assert!(valid_username("clerk_01"));
        assert!(!valid_username("Clerk"));
        assert!(!valid_username("1clerk"));
        assert!(!valid_username("ab"));
        assert!(role_and_department("system_admin", "").is_err(), "administrators are made at install");
        assert!(role_and_department("department_liaison", "").is_err(), "a liaison needs a department");
        assert_eq!(role_and_department("window_clerk", "medical_security").unwrap(), (Role::WindowClerk, None));
    }
}
